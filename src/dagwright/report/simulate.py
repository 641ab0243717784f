"""What if: the scheduler's decisions replayed on a clock instead of a warehouse.

``simulate`` takes the same ``Plan`` a run would build (same priorities, from the same
run_results.json) and follows the scheduler's rules step by step:

- N workers; a free worker takes the ready node that sorts first by ``ready_key`` (the
  function the real scheduler uses); the worker that just finished a node asks first;
- a node runs for its estimated duration; a node named in ``failing`` fails at the end
  of its duration (the article's model fails after doing its work);
- a failure skips the failed node's descendants (``skipped because upstream X failed``);
- under fail-fast the failure stops the run: the nodes running at that moment are
  ``cancelled``, the others ``skipped`` with ``not started: fail-fast after X failed``.

The result converts to a run_results.json-shaped dict so the timeline renderers draw a
prediction exactly as they draw a real run.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dagwright.execute.no_op import is_no_op
from dagwright.execute.results import Status, worker_name
from dagwright.execute.scheduler import ready_key
from dagwright.graph.plan import Plan


@dataclass
class Prediction:
    unique_id: str
    status: str
    message: str
    thread_id: str | None = None
    start: float | None = None
    end: float | None = None
    #: the moment the outcome was decided (for nodes that never start: the failure or the stop)
    decided_at: float = 0.0
    #: estimated duration of the whole node, and its compile part
    estimate: float = 0.0
    compile_seconds: float = 0.0
    cause: str | None = None

    @property
    def started(self) -> bool:
        return self.start is not None


@dataclass
class Simulation:
    plan: Plan
    threads: int
    fail_fast: bool
    failing: frozenset[str]
    predictions: dict[str, Prediction]
    start_order: list[str]
    stop_at: float | None = None
    stop_trigger: str | None = None
    elapsed: float = 0.0
    durations: Mapping[str, float] = field(default_factory=dict)

    def in_time_order(self) -> list[Prediction]:
        """Started nodes in start order, then the others in the order they were decided."""
        position = {uid: i for i, uid in enumerate(self.plan.order)}
        started = [self.predictions[uid] for uid in self.start_order]
        others = sorted(
            (p for p in self.predictions.values() if not p.started),
            key=lambda p: (p.decided_at, position[p.unique_id]),
        )
        return started + others

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.predictions.values():
            out[p.status] = out.get(p.status, 0) + 1
        return out


def _is_test(uid: str) -> bool:
    return uid.startswith("test.")


def _worker_number(name: str) -> int:
    match = re.search(r"(\d+)$", name)
    return int(match[1]) if match else 0


def simulate(
    plan: Plan,
    threads: int,
    *,
    fail_fast: bool = False,
    failing: Iterable[str] = (),
    durations: Mapping[str, float] | None = None,
    compile_seconds: Mapping[str, float] | None = None,
) -> Simulation:
    """Replay the scheduler on ``plan``. ``durations`` default to the plan's estimates."""
    if threads < 1:
        raise ValueError("threads must be >= 1")
    failing_set = frozenset(failing)
    took = {
        uid: max(0.0, float((durations or plan.estimates).get(uid, plan.estimates.get(uid, 0.0)))) for uid in plan.order
    }
    compiling = {uid: min(took[uid], max(0.0, float((compile_seconds or {}).get(uid, 0.0)))) for uid in plan.order}
    position = {uid: i for i, uid in enumerate(plan.order)}
    waiting = {uid: len(plan.parents[uid]) for uid in plan.order}
    workers = [worker_name(i + 1) for i in range(threads)]

    now = 0.0
    results: dict[str, Prediction] = {}
    running: dict[str, Prediction] = {}
    ready: list[tuple[float, int, str]] = []
    finishing: list[tuple[float, int, str]] = []  # (end, start sequence, uid)
    free: list[str] = list(workers)
    start_order: list[str] = []
    stop: dict[str, Any] = {}

    def record(pred: Prediction) -> None:
        uid = pred.unique_id
        if uid in results:
            return
        results[uid] = pred
        if pred.status in Status.OK:
            for child in sorted(plan.children[uid], key=position.__getitem__):
                waiting[child] -= 1
                if waiting[child] == 0 and child not in results:
                    heapq.heappush(ready, ready_key(plan, position, child))
        elif pred.status in (Status.ERROR, Status.FAIL):
            skip_descendants(uid, uid)
        elif pred.status == Status.SKIPPED and pred.cause in results:
            skip_descendants(uid, pred.cause)

    def skip_descendants(uid: str, origin: str) -> None:
        for child in sorted(plan.children[uid], key=position.__getitem__):
            if child in results or child in running:
                continue
            record(
                Prediction(
                    child,
                    Status.SKIPPED,
                    f"skipped because upstream {origin} failed",
                    decided_at=now,
                    estimate=took[child],
                    cause=origin,
                )
            )

    def hand_out(first: str | None = None) -> None:
        while ready and free and not stop:
            worker = first if first in free else min(free, key=_worker_number)
            first = None
            free.remove(worker)
            _, _, uid = heapq.heappop(ready)
            pred = Prediction(
                uid,
                "running",
                "",
                thread_id=worker,
                start=now,
                estimate=took[uid],
                compile_seconds=compiling[uid],
            )
            running[uid] = pred
            start_order.append(uid)
            heapq.heappush(finishing, (now + took[uid], len(start_order), uid))

    for uid in plan.order:
        if waiting[uid] == 0:
            heapq.heappush(ready, ready_key(plan, position, uid))
    hand_out()
    while finishing:
        end, _, uid = heapq.heappop(finishing)
        if uid not in running:
            continue  # cancelled by the stop
        now = end
        pred = running.pop(uid)
        pred.end = pred.decided_at = now
        if uid in failing_set:
            pred.status = Status.FAIL if _is_test(uid) else Status.ERROR
            pred.message = "fails (--fail)"
            if fail_fast and not stop:
                # the worker signals the stop before its result is recorded, as the runner does
                stop.update(at=now, trigger=f"fail-fast after {uid} failed")
        else:
            if is_no_op(uid):  # an exposure or saved query of a build
                pred.status, pred.message = Status.NO_OP, "NO-OP"
            else:
                pred.status = Status.PASS if _is_test(uid) else Status.SUCCESS
                pred.message = "OK"
        record(pred)
        free.append(pred.thread_id or workers[0])
        if stop:
            for other in sorted(running, key=lambda u: running[u].start or 0.0):
                cancelled = running.pop(other)
                cancelled.status = Status.CANCELLED
                cancelled.end = cancelled.decided_at = now
                cancelled.compile_seconds = min(cancelled.compile_seconds, now - (cancelled.start or now))
                cancelled.message = f"cancelled: {stop['trigger']}"
                cancelled.cause = stop["trigger"]
                record(cancelled)
            finishing.clear()
            break
        hand_out(first=pred.thread_id)
    trigger = stop.get("trigger") or "stopped"
    for uid in plan.order:
        if uid not in results:
            record(
                Prediction(
                    uid,
                    Status.SKIPPED,
                    f"not started: {trigger}",
                    decided_at=now,
                    estimate=took[uid],
                    cause=trigger,
                )
            )
    elapsed = max([0.0, *(p.end or 0.0 for p in results.values())])
    return Simulation(
        plan=plan,
        threads=threads,
        fail_fast=fail_fast,
        failing=failing_set,
        predictions={uid: results[uid] for uid in plan.order},
        start_order=start_order,
        stop_at=stop.get("at"),
        stop_trigger=stop.get("trigger"),
        elapsed=elapsed,
        durations=took,
    )


_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def _iso(seconds: float) -> str:
    return (_EPOCH + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_run_results(sim: Simulation, command: str = "run") -> dict[str, Any]:
    """The prediction in run_results.json's shape (``metadata.simulated`` is true)."""
    results = []
    for uid in sim.plan.order:
        p = sim.predictions[uid]
        timing = []
        if p.start is not None and p.end is not None:
            split = p.start + min(p.compile_seconds, p.end - p.start)
            timing = [
                {"name": "compile", "started_at": _iso(p.start), "completed_at": _iso(split)},
                {"name": "execute", "started_at": _iso(split), "completed_at": _iso(p.end)},
            ]
        results.append(
            {
                "status": p.status,
                "timing": timing,
                "thread_id": p.thread_id,
                "execution_time": (p.end - p.start) if p.start is not None and p.end is not None else 0.0,
                "adapter_response": {},
                "message": p.message,
                "failures": None,
                "unique_id": uid,
            }
        )
    metadata: dict[str, Any] = {
        "generator": "dagwright explain",
        "simulated": True,
        "invocation_id": "",
        "invocation_started_at": _iso(0.0),
    }
    if sim.stop_at is not None:
        metadata["stop"] = {
            "kind": "fail-fast",
            "trigger": sim.stop_trigger,
            "at": _iso(sim.stop_at),
            "cancel_seconds": None,
        }
    return {
        "metadata": metadata,
        "results": results,
        "elapsed_time": sim.elapsed,
        "args": {"which": command, "threads": sim.threads, "fail_fast": sim.fail_fast},
    }
