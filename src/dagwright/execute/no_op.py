"""The nodes a build lists but has nothing to run for: exposures and saved queries.

dbt-core 1.11's ``build`` gives each selected exposure and saved query a place in the DAG
after what it depends on and reports it ``no-op`` (its line ``NO-OP exposure dash``, no START
line): there is nothing to execute. A saved query's exports are run by MetricFlow (dbt Cloud),
which dbt-core does not call either. A failed parent skips them as it skips any child; a stop
leaves them not started, as any node.
"""

from __future__ import annotations

import time

from dagwright.execute.results import RunResult, Status, Timing, utcnow
from dagwright.guard import Stop

#: resource type -> the words of its terminal line (dbt: "NO-OP saved query x")
NO_OP_KINDS = {"exposure": "exposure", "saved_query": "saved query"}


def is_no_op(unique_id: str) -> bool:
    """Whether a build node is one of the kinds with nothing to run (by its unique_id)."""
    return unique_id.split(".", 1)[0] in NO_OP_KINDS


def no_op_description(resource_type: str, name: str) -> str:
    """What the terminal line names: "exposure dash", "saved query daily_revenue"."""
    return f"{NO_OP_KINDS[resource_type]} {name}"


def run_no_op(unique_id: str, worker: str, stop: Stop) -> RunResult:
    """The node's outcome: ``no-op``, with dbt's message, empty compile and execute timings and
    no connection used. The stop is checked first, as before any node."""
    started = time.perf_counter()
    if stop.is_set():
        trigger = stop.trigger_text or "stopped"
        return RunResult(unique_id, Status.SKIPPED, f"not started: {trigger}", worker, cause=trigger)
    compiled = utcnow()
    executed = utcnow()
    return RunResult(
        unique_id=unique_id,
        status=Status.NO_OP,
        message="NO-OP",
        thread_id=worker,
        timing=(Timing("compile", compiled, compiled), Timing("execute", executed, utcnow())),
        execution_time=time.perf_counter() - started,
        failures=0,
    )
