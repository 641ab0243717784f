"""The scheduler: the only place that decides what starts.

N worker threads take ready nodes in order of remaining critical path; a node becomes
ready when all its parents succeeded. Nobody polls: workers block on a condition that is
notified once per node made ready (not all workers for every change: on a run of many
small nodes the herd of wake-ups costs more than the nodes), the main thread on another
that is notified when the run is over. A stop (fail-fast, a signal, ``cancel()``)
ends the hand-out at once; nodes that never started are then recorded as skipped with
``not started: <trigger>``.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from dagwright.execute.results import RunResult, Status, worker_name
from dagwright.graph.plan import Plan
from dagwright.guard import Stop


class Reporter:
    """What the scheduler tells the outside world (terminal, events). No-op by default."""

    def node_started(self, unique_id: str, index: int, total: int, worker: str) -> None: ...

    def node_finished(self, result: RunResult, index: int, total: int) -> None: ...


def ready_key(plan: Plan, position: Mapping[str, int], uid: str) -> tuple[float, int, str]:
    """The hand-out order of ready nodes (smallest first): the longest remaining critical
    path, then topological order. Shared with the what-if simulator (report/simulate.py)."""
    return (-plan.priority[uid], position[uid], uid)


@dataclass
class _Slot:
    index: int
    started_at: float


class Scheduler:
    def __init__(
        self,
        plan: Plan,
        threads: int,
        run_node: Callable[[str, str], RunResult],
        stop: Stop,
        *,
        fail_fast: bool = False,
        reporter: Reporter | None = None,
        open_worker: Callable[[str], object] | None = None,
        close_worker: Callable[[str], None] | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be >= 1")
        self.plan = plan
        self.threads = threads
        self.run_node = run_node
        self.stop = stop
        self.fail_fast = fail_fast
        self.reporter = reporter or Reporter()
        self.close_worker = close_worker
        # An RLock: a signal handler on the main thread may notify while it holds the lock.
        lock = threading.RLock()
        self._cond = threading.Condition(lock)  # workers: a node is ready, or the run is over
        self._over = threading.Condition(lock)  # the main thread: the run is over
        self._newly_ready = 0
        self._results: dict[str, RunResult] = {}
        self._running: dict[str, _Slot] = {}
        self._ready: list[tuple[float, int, str]] = []
        self._waiting = {uid: len(ps) for uid, ps in plan.parents.items()}
        self._position = {uid: i for i, uid in enumerate(plan.order)}
        self._counter = 0
        self._workers: list[threading.Thread] = []
        stop.add_listener(self._wake)

    # -- state, always under self._cond ---------------------------------------------------
    def _next_index(self) -> int:
        self._counter += 1
        return self._counter

    def _push_ready(self, uid: str) -> None:
        heapq.heappush(self._ready, ready_key(self.plan, self._position, uid))
        self._newly_ready += 1

    def _record(self, result: RunResult, index: int | None = None) -> None:
        uid = result.unique_id
        if uid in self._results:
            return
        self._results[uid] = result
        if index is None:
            index = self._next_index()
        self.reporter.node_finished(result, index, len(self.plan))
        if result.status in Status.OK:
            for child in sorted(self.plan.children[uid], key=self._position.__getitem__):
                self._waiting[child] -= 1
                if self._waiting[child] == 0 and child not in self._results:
                    self._push_ready(child)
        elif result.status in Status.FAILED:
            self._skip_descendants(uid, uid)
        elif result.status == Status.SKIPPED and result.cause in self._results:
            self._skip_descendants(uid, result.cause)
        # A cancelled node's descendants never start; they are listed when the run ends.

    def _skip_descendants(self, uid: str, origin: str) -> None:
        for child in sorted(self.plan.children[uid], key=self._position.__getitem__):
            if child in self._results or child in self._running:
                continue
            self._record(
                RunResult(
                    unique_id=child,
                    status=Status.SKIPPED,
                    message=f"skipped because upstream {origin} failed",
                    cause=origin,
                )
            )

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()
            self._over.notify_all()

    def _done(self) -> bool:
        if len(self._results) == len(self.plan):
            return True
        return self.stop.is_set() and not self._running

    # -- workers -------------------------------------------------------------------------
    def _worker(self, name: str) -> None:
        try:
            while True:
                with self._cond:
                    while not self._ready and not self.stop.is_set() and not self._done():
                        self._cond.wait()
                    if self.stop.is_set() or not self._ready:
                        return
                    _, _, uid = heapq.heappop(self._ready)
                    index = self._next_index()
                    self._running[uid] = _Slot(index, time.perf_counter())
                    self.reporter.node_started(uid, index, len(self.plan), name)
                try:
                    result = self.run_node(uid, name)
                except BaseException as exc:  # never lose a node: record whatever happened
                    result = RunResult(uid, Status.ERROR, f"Internal error: {type(exc).__name__}: {exc}", name)
                with self._cond:
                    slot = self._running.pop(uid)
                    self._newly_ready = 0
                    self._record(result, slot.index)
                    if self.fail_fast and result.status in Status.FAILED:
                        self.stop.trigger("fail-fast", f"fail-fast after {uid} failed")
                    if self._done():
                        self._cond.notify_all()
                        self._over.notify_all()
                    elif self._newly_ready > 1:
                        # this worker takes one of them itself when it loops
                        self._cond.notify(self._newly_ready - 1)
        finally:
            if self.close_worker is not None:
                self.close_worker(name)

    def start(self) -> None:
        with self._cond:
            for uid in self.plan.order:
                if self._waiting[uid] == 0:
                    self._push_ready(uid)
        # a worker per node at most: more would wait for nothing (and `threads: 10**20` would
        # start threads until the machine gave out)
        for i in range(min(self.threads, len(self.plan.order))):
            name = worker_name(i + 1)
            thread = threading.Thread(target=self._worker, args=(name,), daemon=True, name=name)
            self._workers.append(thread)
            thread.start()

    def wait(self) -> list[RunResult]:
        with self._cond:
            while not self._done():
                self._over.wait()
            self._finish_not_started()
        for thread in self._workers:
            thread.join()
        return self.results()

    def run(self) -> list[RunResult]:
        self.start()
        return self.wait()

    def _finish_not_started(self) -> None:
        trigger = self.stop.trigger_text or "stopped"
        for uid in self.plan.order:
            if uid not in self._results and uid not in self._running:
                self._record(
                    RunResult(uid, Status.SKIPPED, f"not started: {trigger}", cause=trigger),
                )

    def results(self) -> list[RunResult]:
        """Results so far, in plan order; nodes still running are reported as running."""
        with self._cond:
            return [self._results[uid] for uid in self.plan.order if uid in self._results]

    def snapshot(self) -> list[RunResult]:
        """Every plan node with an outcome, for an immediate exit (second Ctrl-C)."""
        with self._cond:
            out = []
            trigger = self.stop.trigger_text or "stopped"
            for uid in self.plan.order:
                if uid in self._results:
                    out.append(self._results[uid])
                elif uid in self._running:
                    out.append(
                        RunResult(
                            uid,
                            Status.CANCELLED,
                            f"cancelled: {trigger}; the process exited before the statement returned",
                            cause=trigger,
                        )
                    )
                else:
                    out.append(RunResult(uid, Status.SKIPPED, f"not started: {trigger}", cause=trigger))
            return out
