"""How long a run has left: the live view's ETA, from the nodes' usual durations.

Pure computation over durations and parents (no terminal, no clock): ``EtaModel`` is made
once per run from the plan's nodes, their parents and what each node usually takes (the
median of the history of runs, ``artifacts/run_history.py``); ``remaining`` is asked again as
nodes start and finish.

What is left is bounded two ways, and the ETA is the larger bound: the longest chain of
remaining nodes (a child cannot start before its parents end, however many threads there
are), and the remaining work spread over the threads. A running node has left its usual
duration less what it has run; once it is past its usual, nothing, and the ETA says it is a
lower bound (how much longer such a node runs cannot be told). A node never seen before
is given the median of the known nodes' durations, and the ETA then says it is rough; with
no known node at all (a first run, an empty history) the ETA is unknown.
"""

from __future__ import annotations

import graphlib
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Eta:
    """What is left of a run, in seconds; ``seconds`` is None when it cannot be told."""

    seconds: float | None
    #: the longest chain of remaining nodes
    chain: float = 0.0
    #: the remaining work divided by the threads
    spread: float = 0.0
    #: remaining nodes with no recorded duration (estimated: the ETA is rough)
    guessed: int = 0
    #: running nodes already past their usual duration (counted as ending now: a lower bound)
    overdue: int = 0

    @property
    def rough(self) -> bool:
        return self.guessed > 0


UNKNOWN = Eta(None)


class EtaModel:
    """The plan's nodes in an order where parents come first, their children, their estimates."""

    def __init__(
        self,
        nodes: Sequence[str],
        parents: Mapping[str, Collection[str]],
        usual: Mapping[str, float],
        threads: int,
    ) -> None:
        self.threads = max(1, threads)
        index = {uid: i for i, uid in enumerate(nodes)}
        sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
        for uid in nodes:
            sorter.add(uid, *(p for p in parents.get(uid, ()) if p in index))
        #: parents before children
        self.order: tuple[str, ...] = tuple(sorter.static_order())
        position = {uid: i for i, uid in enumerate(self.order)}
        children: list[list[int]] = [[] for _ in self.order]
        for uid in self.order:
            for parent in parents.get(uid, ()):
                if parent in position:
                    children[position[parent]].append(position[uid])
        self._children = children
        self._position = position
        known = [usual[uid] for uid in self.order if uid in usual]
        #: what a node never seen is assumed to take: the median of the known nodes
        self.fallback: float | None = statistics.median(known) if known else None
        self.usual: dict[str, float] = {uid: usual[uid] for uid in self.order if uid in usual}
        self._estimate = [self.usual.get(uid, self.fallback or 0.0) for uid in self.order]
        self._guessed = [uid not in self.usual for uid in self.order]

    @property
    def known(self) -> bool:
        """Whether any node of the plan has a recorded duration (else there is no ETA)."""
        return self.fallback is not None

    def estimate(self, unique_id: str) -> float | None:
        """A node's usual duration, or the fallback for a node never seen; None when unknown."""
        return self.usual.get(unique_id, self.fallback)

    def remaining(self, finished: Collection[str], running: Mapping[str, float]) -> Eta:
        """The ETA once the nodes of ``finished`` have ended (whatever their outcome) and the
        nodes of ``running`` have run for the given seconds."""
        if not self.known:
            return UNKNOWN
        position = self._position
        left = list(self._estimate)
        for uid in finished:
            at = position.get(uid)
            if at is not None:
                left[at] = -1.0  # finished: not in any chain
        overdue = 0
        for uid, elapsed in running.items():
            at = position.get(uid)
            if at is not None and left[at] >= 0:
                if elapsed > left[at]:
                    overdue += 1
                left[at] = max(0.0, left[at] - elapsed)
        chain = [0.0] * len(left)
        longest = work = 0.0
        guessed = 0
        children = self._children
        for at in range(len(left) - 1, -1, -1):  # children before their parents
            own = left[at]
            if own < 0:
                continue
            below = 0.0
            for child in children[at]:
                if chain[child] > below:
                    below = chain[child]
            chain[at] = own + below
            if chain[at] > longest:
                longest = chain[at]
            work += own
            if self._guessed[at]:
                guessed += 1
        spread = work / self.threads
        return Eta(max(longest, spread), chain=longest, spread=spread, guessed=guessed, overdue=overdue)


def far_past_usual(elapsed: float, usual: float) -> bool:
    """A running node worth flagging: at least twice its usual time and a second past it."""
    return elapsed >= 2 * usual and elapsed >= usual + 1.0


def seconds_text(seconds: float) -> str:
    """12s, 2m05s, 1h02m: short enough for the live panel's head line."""
    if seconds < 1:
        return "<1s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
