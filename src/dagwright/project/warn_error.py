"""Which warnings become errors: dbt's ``--warn-error`` and ``--warn-error-options``.

Read from the command line (or ``DBT_WARN_ERROR`` / ``DBT_WARN_ERROR_OPTIONS``), else from
dbt_project.yml's ``flags:`` (``warn_error``, ``warn_error_options``). The options are YAML
(a mapping): ``error`` ("all", "*" or a list of event names; ``include`` is its older name),
``warn`` (names kept warnings under ``error: all``; older name ``exclude``) and ``silence``
(names not shown at all). A name in ``silence`` wins over ``warn``, which wins over
``error``; a name wins over ``Deprecations``, which wins over "all".

dagwright applies this to the warnings it emits, under dbt's event names
(``EMITTED``); an option naming another dbt event changes nothing here and is said in the
command's warning line (``undetected``), as is ``--warn-error`` itself, since dbt also turns
warnings into errors that dagwright does not look for (deprecations, unused config paths).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from dagwright.errors import DagwrightError

#: dbt's event names of the warnings dagwright emits, and what each is
EMITTED: dict[str, str] = {
    "LogTestResult": "a test of severity warn that warns",
    "NoNodesForSelectionCriteria": "a selection criterion that matches nothing",
    "NothingToDo": "a command with nothing selected",
    "NoNodesSelected": "ls with nothing selected",
    "JinjaLogWarning": "exceptions.warn() in Jinja",
}
#: dbt's NothingToDo text
NOTHING_TO_DO = "Nothing to do. Try checking your model configs and model specification args"
_ALL = ("all", "*")
_DEPRECATIONS = "Deprecations"


class WarnErrorOptionsError(DagwrightError):
    """--warn-error / --warn-error-options that dbt would refuse."""


@dataclass(frozen=True)
class WarnErrorPolicy:
    """``warn_error``: every warning is an error (--warn-error); else the options' lists."""

    warn_error: bool = False
    error_all: bool = False
    error: frozenset[str] = frozenset()
    warn: frozenset[str] = frozenset()
    silence: frozenset[str] = frozenset()

    def errors(self, event: str, deprecation: bool = False) -> bool:
        """Whether the warning ``event`` (dbt's event name) stops as an error."""
        if self.warn_error:
            return True
        if event in self.warn or event in self.silence:
            return False
        if event in self.error:
            return True
        if deprecation and (_DEPRECATIONS in self.warn or _DEPRECATIONS in self.silence):
            return False
        return (deprecation and _DEPRECATIONS in self.error) or self.error_all

    def silenced(self, event: str, deprecation: bool = False) -> bool:
        """Whether the warning ``event`` is not shown at all."""
        if event in self.silence:
            return True
        return deprecation and _DEPRECATIONS in self.silence and event not in self.error and event not in self.warn

    def undetected(self) -> str | None:
        """What of this policy dagwright cannot apply (for the warning line), or None."""
        if self.warn_error or self.error_all:
            return "--warn-error for dbt's warnings dagwright does not emit (deprecations, unused config paths...)"
        others = sorted((self.error | self.warn | self.silence) - set(EMITTED) - {_DEPRECATIONS})
        if _DEPRECATIONS in self.error:
            others.insert(0, _DEPRECATIONS)
        if others:
            return f"--warn-error-options for {', '.join(others)} (dagwright does not emit these warnings)"
        return None


def _names(value: Any, key: str, source: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise WarnErrorOptionsError(
        f"{source}: '{key}' must be a list of event names, got {value!r}",
        hint="e.g. --warn-error-options '{error: [NoNodesForSelectionCriteria], silence: [NothingToDo]}'",
    )


def parse_options(value: Any, source: str) -> WarnErrorPolicy:
    """``warn_error_options`` (YAML text from the command line, or a mapping from ``flags:``)."""
    if isinstance(value, str):
        try:
            value = yaml.safe_load(value) if value.strip() else {}
        except yaml.YAMLError as exc:
            raise WarnErrorOptionsError(f"{source} is not valid YAML: {exc}") from None
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise WarnErrorOptionsError(
            f"{source} must be a mapping of error/warn/silence, got {value!r}",
            hint="e.g. --warn-error-options '{error: all, warn: [LogTestResult]}'",
        )
    unknown = sorted(set(map(str, value)) - {"error", "include", "warn", "exclude", "silence"})
    if unknown:
        raise WarnErrorOptionsError(
            f"{source}: unknown key '{unknown[0]}'", hint="the keys are error (or include), warn (or exclude), silence"
        )
    chosen: dict[str, Any] = {}
    for key, older in (("error", "include"), ("warn", "exclude")):
        if value.get(key) and value.get(older):
            raise WarnErrorOptionsError(f"{source}: give '{key}' or '{older}' (its older name), not both")
        chosen[key] = value.get(key) if value.get(key) is not None else value.get(older)
    error = chosen["error"]
    error_all = isinstance(error, str) and error in _ALL
    if isinstance(error, str) and not error_all:
        raise WarnErrorOptionsError(f"{source}: 'error' must be 'all', '*' or a list of event names, got {error!r}")
    named = frozenset() if error_all else frozenset(_names(error, "error", source))
    warn = frozenset(_names(chosen["warn"], "warn", source))
    silence = frozenset(_names(value.get("silence"), "silence", source))
    if warn and not (error_all or _DEPRECATIONS in named or _DEPRECATIONS in silence):
        raise WarnErrorOptionsError(
            f"{source}: 'warn' names warnings kept as warnings, so it needs error: all "
            f"(or {_DEPRECATIONS} in 'error' or 'silence')",
        )
    return WarnErrorPolicy(False, error_all, named, warn, silence)


def resolve_policy(warn_error: bool | None, options: str | None, project_flags: Mapping[str, Any]) -> WarnErrorPolicy:
    """The policy of a command: the command line's (or environment's) --warn-error and
    --warn-error-options, each else dbt_project.yml's ``flags:`` entry. As dbt, the two may
    not both be set, wherever each comes from (``DBT_WARN_ERROR=false`` counts)."""
    if warn_error is None and "warn_error" in project_flags:
        warn_error = project_flags["warn_error"] is True
    where = "--warn-error-options"
    if options is None and project_flags.get("warn_error_options") is not None:
        options, where = project_flags["warn_error_options"], "flags: warn_error_options in dbt_project.yml"
    if warn_error is not None and options is not None:
        raise WarnErrorOptionsError(
            "warn_error and warn_error_options are both set (--warn-error, DBT_WARN_ERROR or flags: "
            "warn_error; --warn-error-options, DBT_WARN_ERROR_OPTIONS or flags: warn_error_options)",
            hint="set one of them: --warn-error is --warn-error-options '{error: all}'",
        )
    if warn_error:
        return WarnErrorPolicy(warn_error=True)
    if options is not None:
        return parse_options(options, where)
    return WarnErrorPolicy()


class WarningAsError(DagwrightError):
    """A warning that --warn-error / --warn-error-options turned into an error."""


def warn_or_error(policy: WarnErrorPolicy, event: str, text: str, deprecation: bool = False) -> str | None:
    """A warning as the policy has it: raised (``WarningAsError``), None when silenced, else
    ``text`` to show."""
    if policy.errors(event, deprecation):
        raise WarningAsError(text, hint=f"a warning ({event}) made an error by --warn-error or --warn-error-options")
    return None if policy.silenced(event, deprecation) else text
