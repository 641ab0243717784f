"""retry: re-run exactly the nodes of the last run that did not succeed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from dagwright.artifacts.run_results import outcome, read_run_results
from dagwright.errors import DagwrightError
from dagwright.execute.microbatch import RetriedBatches, previous_batches
from dagwright.session import Flags, target_dir_of
from dagwright.tasks import run as run_task

RETRYABLE = ("error", "skipped", "cancelled", "fail", "partial success")


def retry(flags: Flags, echo: Callable[[str], None]) -> int:
    path = target_dir_of(flags) / "run_results.json"
    previous = read_run_results(path)
    if previous is None:
        raise DagwrightError(f"no previous run to retry: {path} is missing or unreadable")
    args = previous.get("args") or {}
    command = str(args.get("which") or "run")
    if command not in run_task.RESOURCE_TYPES_BY_COMMAND:
        raise DagwrightError(f"the last command was '{command}', which retry cannot repeat")
    # as dbt: retry --warn-error also repeats what warned
    retryable = {*RETRYABLE, "warn"} if flags.warn_error else RETRYABLE
    todo: list[str] | None = [r["unique_id"] for r in previous.get("results") or [] if outcome(r) in retryable]
    stop = (args.get("dagwright") or {}).get("stop") if isinstance(args.get("dagwright"), Mapping) else None
    if not previous.get("results") and isinstance(stop, Mapping) and stop.get("kind"):
        # stopped before any node started (a signal while the project was parsed): nothing
        # succeeded, so the whole command is what is left to do
        echo(f"The last {command} was stopped before any node started ({stop.get('trigger')}): running it whole.")
        todo = None
    elif not todo:
        echo("Nothing to retry: every node of the last run succeeded.")
        return 0
    vars_ = args.get("vars") or {}
    replay = replace(
        flags,
        command=command,
        profiles_dir=flags.profiles_dir or args.get("profiles_dir"),
        target=flags.target or args.get("target"),
        vars=flags.vars or (json.dumps(vars_) if vars_ else None),
        threads=flags.threads or args.get("threads"),
        full_refresh=bool(args.get("full_refresh")),
        fail_fast=flags.fail_fast or bool(args.get("fail_fast")),
        target_path=flags.target_path or args.get("target_path"),
        select=tuple(args.get("select") or ()),
        exclude=tuple(args.get("exclude") or ()),
        store_failures=flags.store_failures or bool(args.get("store_failures")),
        warn_error=flags.warn_error if flags.warn_error is not None else args.get("warn_error"),
        warn_error_options=flags.warn_error_options or args.get("warn_error_options"),
        event_time_start=_datetime(args.get("event_time_start")),
        event_time_end=_datetime(args.get("event_time_end")),
        # the last run's sample window, its bounds as it recorded them (as dbt retry does)
        sample=_sample(args.get("sample")),
        # the last run's --state, --defer, --defer-state, --favor-state (relative paths: to where it ran)
        extra={**{k: args[k] for k in ("state", "defer", "defer_state", "favor_state") if k in args}, **flags.extra},
    )
    # a microbatch model re-runs only the batches that failed, as dbt retry does
    results = previous.get("results") or []
    retried = RetriedBatches(
        previous_batches([r for r in results if todo is not None and r.get("unique_id") in todo]),
        _datetime((previous.get("metadata") or {}).get("invocation_started_at")),
    )
    return run_task.execute(replay, only=todo, retried=retried)


def _sample(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"'{k}': '{value[k]}'" for k in ("start", "end") if k in value) + "}"
    return value if isinstance(value, str) and value else None


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
