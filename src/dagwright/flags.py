"""``Flags``: the command line as every command sees it, and the ``args`` block of
run_results.json it becomes (read back by ``retry``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from dagwright.errors import DagwrightError
from dagwright.rendering.sample import SampleError, sample_window


@dataclass(frozen=True)
class Flags:
    """The command line, as every command sees it."""

    command: str
    project_dir: str | None = None
    profiles_dir: str | None = None
    target: str | None = None
    vars: str | None = None
    threads: int | None = None
    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    full_refresh: bool = False
    #: None: not given (dbt_project.yml's ``flags: {fail_fast: ...}`` decides, see Session)
    fail_fast: bool | None = False
    target_path: str | None = None
    debug: bool = False
    resource_types: tuple[str, ...] = ()
    output: str = "selector"
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: --profile: the profile to use instead of dbt_project.yml's
    profile: str | None = None
    exclude_resource_types: tuple[str, ...] = ()
    #: eager, cautious, buildable or empty; None: dbt_project.yml's flags, else eager
    indirect_selection: str | None = None
    #: whether require-dbt-version is checked; None: dbt_project.yml's flags, else yes
    version_check: bool | None = None
    #: --store-failures (DBT_STORE_FAILURES): tests whose config does not say store their failing rows
    store_failures: bool = False
    #: --warn-error (DBT_WARN_ERROR); None: dbt_project.yml's flags decide
    warn_error: bool | None = None
    #: --warn-error-options (DBT_WARN_ERROR_OPTIONS), YAML text
    warn_error_options: str | None = None
    #: --event-time-start / --event-time-end: the window microbatch models build
    event_time_start: dt.datetime | None = None
    event_time_end: dt.datetime | None = None
    #: --sample (DBT_SAMPLE): the sample window's text, read by the session (rendering/sample.py)
    sample: str | None = None

    def as_args_safe(self) -> dict[str, Any]:
        """as_args, but never failing (for a command stopped while it started)."""
        try:
            return self.as_args()
        except DagwrightError:
            return {"which": self.command}

    def as_args(self) -> dict[str, Any]:
        """The args block of run_results.json (read back by retry)."""
        out: dict[str, Any] = {
            "which": self.command,
            "project_dir": self.project_dir,
            "profiles_dir": self.profiles_dir,
            "target": self.target,
            "vars": parse_vars(self.vars) if self.vars else {},
            "threads": self.threads,
            "select": list(self.select),
            "exclude": list(self.exclude),
            "full_refresh": self.full_refresh,
            "fail_fast": self.fail_fast,
            "target_path": self.target_path,
        }
        if self.resource_types:
            out["resource_types"] = list(self.resource_types)
        if self.exclude_resource_types:
            out["exclude_resource_types"] = list(self.exclude_resource_types)
        if self.indirect_selection:
            out["indirect_selection"] = self.indirect_selection
        if self.store_failures:
            out["store_failures"] = True
        if self.warn_error is not None:
            out["warn_error"] = self.warn_error
        if self.warn_error_options:
            out["warn_error_options"] = self.warn_error_options
        if self.event_time_start is not None:
            out["event_time_start"] = self.event_time_start.isoformat()
        if self.event_time_end is not None:
            out["event_time_end"] = self.event_time_end.isoformat()
        if self.sample:
            out["sample"] = sample_args(self.sample)
        # --state, --defer, --defer-state, --favor-state: retry repeats them
        out.update({k: self.extra[k] for k in ("state", "defer", "defer_state", "favor_state") if k in self.extra})
        return out


def sample_args(text: str) -> dict[str, str] | str:
    """--sample in run_results.json's args: its bounds, as dbt writes them (retry reads them back)."""
    try:
        window = sample_window(text, dt.datetime.now(dt.timezone.utc))
    except SampleError:
        return text
    return {"start": window.start.isoformat(), "end": window.end.isoformat()}


def parse_vars(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DagwrightError(f"--vars is not valid YAML or JSON: {exc}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DagwrightError(
            f"--vars must be a mapping such as '{{my_var: 1}}', got {type(value).__name__}",
        )
    return value
