"""A previous run's artifacts, as ``--state`` (and ``--defer-state``) name them: the folder's
manifest.json, run_results.json and sources.json, read as plain JSON so that a manifest
dbt-core wrote and one dagwright wrote serve alike."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagwright.errors import DagwrightError

#: the manifest's sections a node may be in (``state:new`` looks in all of them)
NODE_SECTIONS = (
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "unit_tests",
    "saved_queries",
    "functions",
)


@dataclass
class PreviousState:
    """What a state folder holds; a file that is not there is None."""

    path: Path
    manifest: dict[str, Any] | None
    run_results: dict[str, Any] | None
    sources: dict[str, Any] | None
    #: unique_id -> its entry, over every section of NODE_SECTIONS
    entries: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def from_dagwright(self) -> bool:
        """Whether dagwright wrote the manifest (its built-in macros are then its own)."""
        metadata = (self.manifest or {}).get("metadata") or {}
        return str(metadata.get("generator") or "").startswith("dagwright")


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON artifact, or None when there is no such file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DagwrightError(f"cannot read {path}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DagwrightError(
            f"{path} is not valid JSON: {exc}", hint="point --state at the target/ folder of a finished run"
        ) from None
    if not isinstance(data, dict):
        raise DagwrightError(f"{path} is not a dbt artifact (not a JSON object)")
    return data


def load_state(folder: str | Path, project_root: Path) -> PreviousState:
    """The artifacts in ``folder`` (relative to the current directory, as dbt reads it; a
    folder that is not there is tried relative to the project)."""
    path = Path(folder).expanduser()
    if not path.is_dir() and not path.is_absolute() and (project_root / path).is_dir():
        path = project_root / path
    manifest = read_json(path / "manifest.json")
    state = PreviousState(path, manifest, read_json(path / "run_results.json"), read_json(path / "sources.json"))
    if manifest is not None:
        for section in NODE_SECTIONS:
            entries = manifest.get(section)
            if isinstance(entries, Mapping):
                for uid, entry in entries.items():
                    state.entries.setdefault(str(uid), entry)
    return state
