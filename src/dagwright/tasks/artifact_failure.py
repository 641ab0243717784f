"""When target/ cannot take the artifacts: checked before any node runs, and, when a write
still fails at the end (a disk filled during the run), said plainly with what was built."""

from __future__ import annotations

import os
from pathlib import Path

from dagwright.artifacts.files import artifact_error
from dagwright.errors import ArtifactError
from dagwright.execute.results import RunResult, Status

#: at most this many nodes are named in the line; the rest are counted
_NAMED = 20


def write_failed(exc: OSError, path: Path) -> ArtifactError:
    """The error for ``exc``, raised while writing the artifact at ``path``. A previous
    run's file left there would describe another run: it is removed where the disk allows."""
    try:
        os.unlink(path)
    except OSError:
        pass
    return artifact_error(exc, path)


def outcomes_line(results: list[RunResult]) -> str:
    """Which nodes ran before the artifacts failed: their outcomes stand in the warehouse."""
    ran = [r for r in results if r.status not in (Status.SKIPPED, Status.CANCELLED)]
    if not ran:
        return "No node ran before the artifacts could not be written."
    named = ", ".join(f"{r.unique_id} ({r.status})" for r in ran[:_NAMED])
    more = f" and {len(ran) - _NAMED} more" if len(ran) > _NAMED else ""
    return (
        f"{len(ran)} node(s) ran before the artifacts could not be written; their outcomes stand in "
        f"the warehouse: {named}{more}"
    )
