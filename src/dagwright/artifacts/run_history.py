"""The history of runs: the last N run_results of run/build/seed/test/snapshot, kept in
target/history/ so the timeline can show each node against its earlier runs, `explain` can
predict from medians, and one command no longer erases the picture of the one before.

dbt keeps only the last run_results.json; this folder is dagwright's own. Each entry is the
run's run_results.json without the compiled SQL (the picture does not need it, and it is
most of the bytes), plus the parents of the nodes that ran (for the critical path). Written
atomically like every artifact; the oldest entries beyond the limit are removed.

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

HISTORY_FOLDER = "history"
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
    # a run writes its results again after an emergency write (a signal): one entry per run
    earlier = [e for e in list_history(target_dir) if invocation and e.invocation_id == invocation and e.path != path]
    for old in earlier + [e for e in list_history(target_dir) if e not in earlier][keep:]:
        try:
            old.path.unlink()
        except OSError:
            pass
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


def history_durations(target_dir: Path, limit: int | None = None) -> dict[str, list[float]]:
    """``durations_by_node`` of the recorded runs (the newest ``limit`` of them)."""
    entries = list_history(target_dir)[:limit] if limit else list_history(target_dir)
    return durations_by_node(data for data in (e.load() for e in entries) if data is not None)


def typical_durations(durations: Mapping[str, list[float]]) -> dict[str, float]:
    """The median per node: what a node usually takes, not what it took once."""
    return {uid: statistics.median(values) for uid, values in durations.items() if values}
