"""The outcome of each node of a run: one value per selected node, whatever happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


class Status:
    SUCCESS = "success"
    ERROR = "error"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    #: a microbatch model some of whose batches failed (dbt's PartialSuccess)
    PARTIAL_SUCCESS = "partial success"
    # tests
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    #: an exposure or saved query in a build: nothing to run (dbt's RunStatus.NoOp)
    NO_OP = "no-op"

    #: outcomes after which the node's children may run
    OK = frozenset({"success", "pass", "warn", "no-op"})
    #: outcomes that fail the run (exit code 1, --fail-fast) and skip the node's children
    FAILED = frozenset({"error", "fail", "partial success"})


#: the word the terminal prints for each status
OUTCOME_WORD = {
    Status.SUCCESS: "OK",
    Status.ERROR: "ERROR",
    Status.SKIPPED: "SKIP",
    Status.CANCELLED: "CANCELLED",
    Status.PARTIAL_SUCCESS: "PARTIAL SUCCESS",
    Status.PASS: "PASS",
    Status.FAIL: "FAIL",
    Status.WARN: "WARN",
    Status.NO_OP: "NO-OP",
}


def worker_name(number: int) -> str:
    """The name of worker ``number`` (from 1), as dbt-core's thread pool names its threads and
    writes them in run_results.json's ``thread_id``."""
    return f"Thread-{number} (worker)"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class Timing:
    name: str  # "compile" | "execute"
    started_at: dt.datetime
    completed_at: dt.datetime

    @property
    def seconds(self) -> float:
        return (self.completed_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class RunResult:
    unique_id: str
    status: str
    message: str | None
    thread_id: str | None = None
    timing: tuple[Timing, ...] = ()
    execution_time: float = 0.0
    adapter_response: dict[str, Any] = field(default_factory=dict)
    failures: int | None = None
    compiled_code: str | None = None
    relation_name: str | None = None
    #: the node whose failure caused a skip, or the stop's trigger for a cancel
    cause: str | None = None
    #: for error results: where the compiled SQL was written
    compiled_path: str | None = None
    #: a microbatch model's batches: {"successful": [[start, end], ...], "failed": [...]} (ISO)
    batch_results: dict[str, list[list[str]]] | None = None

    @property
    def word(self) -> str:
        return OUTCOME_WORD.get(self.status, self.status.upper())

    @property
    def started(self) -> bool:
        return bool(self.timing)


@dataclass
class RunSummary:
    results: list[RunResult]
    elapsed: float
    started_at: dt.datetime
    stop_kind: str | None = None  # "fail-fast", "SIGINT", "SIGTERM", "cancel"
    stop_trigger: str | None = None
    stop_at: float | None = None  # time.time() of the stop
    #: seconds from the stop to the end of the last cancelled statement
    cancel_latency: float | None = None

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.results if r.status in statuses)

    @property
    def failed(self) -> bool:
        return any(r.status in Status.FAILED for r in self.results)
