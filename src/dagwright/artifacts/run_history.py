"""The history of runs: the last N run_results of run/build/seed/test/snapshot, kept in
target/history/ so the timeline can show each node against its earlier runs, `explain` can
predict from medians, and one command no longer erases the picture of the one before.

dbt keeps only the last run_results.json; this folder is dagwright's own. Each entry is the
run's run_results.json without the compiled SQL (the picture does not need it, and it is
most of the bytes), plus the parents of the nodes that ran (for the critical path); beside
it a small summary (``<entry>.summary.json``: command, statuses, elapsed, each node's duration)
so that listing the runs and the medians a run starts from read kilobytes, not every entry.
Written atomically like every artifact; the oldest entries beyond the limit are removed.

The number kept: ``DAGWRIGHT_HISTORY_RUNS`` (default 20; 0 keeps none).
"""

from __future__ import annotations

import os
import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagwright.artifacts.files import read_json, write_json_atomic
from dagwright.artifacts.run_results import outcome
from dagwright.errors import DagwrightError

HISTORY_FOLDER = "history"
SUMMARY_SUFFIX = ".summary.json"
DEFAULT_RUNS_KEPT = 20
RUNS_KEPT_VARIABLE = "DAGWRIGHT_HISTORY_RUNS"

#: an entry's file name: the sortable UTC time it was written, then the invocation id
_ENTRY_NAME = re.compile(r"^(\d{8}T\d{6}\.\d{6}Z)-([0-9A-Za-z-]*)\.json$")


def runs_kept(environ: Mapping[str, str] | None = None) -> int:
    """How many runs the history keeps (``DAGWRIGHT_HISTORY_RUNS``; a bad value keeps the default)."""
    text = (os.environ if environ is None else environ).get(RUNS_KEPT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_RUNS_KEPT
    try:
        return max(0, int(text))
    except ValueError:
        return DEFAULT_RUNS_KEPT


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded run; its data is read on demand (``load``)."""

    path: Path
    written_at: str
    invocation_id: str

    def load(self) -> dict[str, Any] | None:
        try:
            data = read_json(self.path)
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    @property
    def summary_path(self) -> Path:
        return self.path.with_name(self.path.stem + SUMMARY_SUFFIX)

    def summary(self) -> dict[str, Any] | None:
        """The entry's summary (``summarize``), from its small file, else from the entry."""
        try:
            data = read_json(self.summary_path)
            if isinstance(data, dict):
                return data
        except (OSError, ValueError):
            pass
        full = self.load()
        return summarize(full) if full is not None else None

    def remove(self) -> None:
        for path in (self.path, self.summary_path):
            try:
                path.unlink()
            except OSError:
                pass


def summarize(run_results: Mapping[str, Any]) -> dict[str, Any]:
    """What listing and predicting need of a run: when, which command, how many nodes with
    which outcomes, how long, and each node's execution seconds where it succeeded."""
    metadata = run_results.get("metadata") or {}
    results = [r for r in run_results.get("results") or [] if isinstance(r, Mapping)]
    statuses: dict[str, int] = {}
    for result in results:
        status = outcome(result) or "unknown"
        statuses[status] = statuses.get(status, 0) + 1
    elapsed = run_results.get("elapsed_time")
    return {
        "invocation_id": str(metadata.get("invocation_id") or ""),
        "generated_at": str(metadata.get("generated_at") or ""),
        "started_at": str(metadata.get("invocation_started_at") or ""),
        "command": str((run_results.get("args") or {}).get("which") or ""),
        "elapsed": float(elapsed) if isinstance(elapsed, (int, float)) else None,
        "nodes": len(results),
        "statuses": statuses,
        "durations": {uid: values[0] for uid, values in durations_by_node([run_results]).items()},
    }


def history_folder(target_dir: Path) -> Path:
    return target_dir / HISTORY_FOLDER


def _stamp(run_results: Mapping[str, Any]) -> str:
    generated = str((run_results.get("metadata") or {}).get("generated_at") or "")
    digits = re.sub(r"[^0-9]", "", generated)
    # generated_at is ISO 8601 with microseconds: 2026-12-07T22:43:12.123456Z
    if len(digits) >= 20:
        return f"{digits[:8]}T{digits[8:14]}.{digits[14:20]}Z"
    return "00000000T000000.000000Z"


def record_run(
    target_dir: Path,
    run_results: Mapping[str, Any],
    parents: Mapping[str, Iterable[str]] | None = None,
    keep: int | None = None,
) -> Path | None:
    """Add a run to the history and drop the oldest beyond ``keep``; the new entry's path.

    Raises OSError when the folder cannot be written: the caller decides whether that matters
    (at the end of a run it does not: the run's own artifacts are already written)."""
    keep = runs_kept() if keep is None else keep
    if keep <= 0:
        return None
    results = run_results.get("results") or []
    ran = {str(r.get("unique_id")) for r in results}
    entry = {
        **run_results,
        "results": [{k: v for k, v in r.items() if k != "compiled_code"} for r in results],
        "parents": {uid: sorted(p) for uid, p in (parents or {}).items() if uid in ran},
    }
    invocation = re.sub(r"[^0-9A-Za-z-]", "", str((run_results.get("metadata") or {}).get("invocation_id") or ""))
    path = history_folder(target_dir) / f"{_stamp(run_results)}-{invocation}.json"
    write_json_atomic(path, entry)
    write_json_atomic(path.with_name(path.stem + SUMMARY_SUFFIX), summarize(run_results))
    # a run writes its results again after an emergency write (a signal): one entry per run
    earlier = [e for e in list_history(target_dir) if invocation and e.invocation_id == invocation and e.path != path]
    for old in earlier + [e for e in list_history(target_dir) if e not in earlier][keep:]:
        old.remove()
    return path


def list_history(target_dir: Path) -> list[HistoryEntry]:
    """The recorded runs, newest first."""
    try:
        names = os.listdir(history_folder(target_dir))
    except OSError:
        return []
    entries = []
    for name in names:
        match = _ENTRY_NAME.match(name)
        if match:
            entries.append(HistoryEntry(history_folder(target_dir) / name, match.group(1), match.group(2)))
    entries.sort(key=lambda e: (e.written_at, e.invocation_id), reverse=True)
    return entries


def durations_by_node(runs: Iterable[Mapping[str, Any]]) -> dict[str, list[float]]:
    """Execution seconds per node over ``runs`` (newest first), from nodes that ran to success:
    a failed or cancelled node's time says little about how long it takes."""
    out: dict[str, list[float]] = {}
    for data in runs:
        for result in data.get("results") or []:
            seconds = result.get("execution_time")
            if outcome(result) in ("success", "pass") and isinstance(seconds, (int, float)):
                out.setdefault(str(result.get("unique_id")), []).append(float(seconds))
    return out


def durations_of(entries: Iterable[HistoryEntry]) -> dict[str, list[float]]:
    """Execution seconds per node over ``entries`` (in their order), from their summaries."""
    out: dict[str, list[float]] = {}
    for entry in entries:
        summary = entry.summary() or {}
        for uid, seconds in (summary.get("durations") or {}).items():
            if isinstance(seconds, (int, float)):
                out.setdefault(str(uid), []).append(float(seconds))
    return out


def history_durations(target_dir: Path, limit: int | None = None) -> dict[str, list[float]]:
    """``durations_by_node`` of the recorded runs (the newest ``limit`` of them)."""
    entries = list_history(target_dir)[:limit] if limit else list_history(target_dir)
    return durations_of(entries)


def recorded_durations(target_dir: Path, last_run: Mapping[str, Any] | None) -> dict[str, list[float]]:
    """Each node's recorded execution seconds, newest first: the history, and before it the
    last run_results.json when the history does not hold it (written by another tool, or
    by hand, or with the history turned off)."""
    entries = list_history(target_dir)
    out = durations_of(entries)
    invocation = str(((last_run or {}).get("metadata") or {}).get("invocation_id") or "")
    if last_run and not any(invocation and e.invocation_id == invocation for e in entries):
        for uid, values in durations_by_node([last_run]).items():
            out[uid] = values + out.get(uid, [])
    return out


def typical_durations(durations: Mapping[str, list[float]]) -> dict[str, float]:
    """The median per node: what a node usually takes, not what it took once."""
    return {uid: statistics.median(values) for uid, values in durations.items() if values}


def spread(values: Iterable[float]) -> tuple[float, float]:
    """The range a node's recorded durations cover: (fastest, slowest)."""
    ordered = sorted(values)
    return (ordered[0], ordered[-1]) if ordered else (0.0, 0.0)


def find_run(target_dir: Path, ref: str) -> HistoryEntry:
    """A recorded run by reference: ``-1`` the newest, ``-2`` the one before...; or its
    invocation id (or its first 4 or more characters, when only one run's id starts with them)."""
    entries = list_history(target_dir)
    if not entries:
        raise DagwrightError(
            f"no recorded runs in {history_folder(target_dir)}",
            hint="run/build/seed/test/snapshot record each run there (DAGWRIGHT_HISTORY_RUNS)",
        )
    text = ref.strip()
    if re.fullmatch(r"-\d+", text):
        back = int(text[1:])
        if 1 <= back <= len(entries):
            return entries[back - 1]
        raise DagwrightError(
            f"--run {text}: the history holds {len(entries)} run{'s' if len(entries) != 1 else ''}",
            hint=f"use -1 (the newest) to -{len(entries)}, or an invocation id (dagwright timeline --list)",
        )
    exact = [e for e in entries if e.invocation_id == text]
    # a prefix names a run from 4 characters on: `2` is more likely a typo of `-2` than an id
    matches = exact or [e for e in entries if len(text) >= 4 and e.invocation_id.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    what = "several recorded runs' ids start with" if matches else "no recorded run has the invocation id"
    hint = "dagwright timeline --list shows the recorded runs"
    if text.isdigit() and not matches:
        hint = f"did you mean -{text}? " + hint
    raise DagwrightError(f"{what} {text!r}", hint=hint)


def previous_of_same_command(target_dir: Path, entry: HistoryEntry) -> HistoryEntry | None:
    """The newest run recorded before ``entry`` with the same command (``run`` before a ``run``)."""
    entries = list_history(target_dir)
    command = (entry.summary() or {}).get("command")
    older = [e for e in entries if (e.written_at, e.invocation_id) < (entry.written_at, entry.invocation_id)]
    return next((e for e in older if (e.summary() or {}).get("command") == command), None)


def runs_before(target_dir: Path, invocation_id: str) -> list[HistoryEntry]:
    """The recorded runs older than the one with ``invocation_id`` (all of them when it is not
    recorded: a run_results.json the history does not hold is taken as the newest)."""
    entries = list_history(target_dir)
    for i, entry in enumerate(entries):
        if invocation_id and entry.invocation_id == invocation_id:
            return entries[i + 1 :]
    return entries


def runs_after(target_dir: Path, generated_at: str) -> list[HistoryEntry]:
    """The runs recorded after the ISO time ``generated_at``, oldest first."""
    since = _stamp({"metadata": {"generated_at": generated_at}})
    return [e for e in reversed(list_history(target_dir)) if e.written_at > since]
