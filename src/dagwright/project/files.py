"""Finding a project's files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProjectFile:
    path: Path  # absolute
    resource_root: str  # the resource folder it was found under, e.g. "models"
    relative: str  # posix path relative to resource_root, e.g. "staging/orders.sql"

    @property
    def original_file_path(self) -> str:
        return f"{self.resource_root}/{self.relative}" if self.resource_root not in ("", ".") else self.relative

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(self.relative.split("/")[:-1])

    @property
    def stem(self) -> str:
        name = self.relative.rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[0]


def find_files(root: Path, resource_roots: Iterable[str], suffixes: tuple[str, ...]) -> Iterator[ProjectFile]:
    """Files with one of ``suffixes`` under each resource folder, in a stable order."""
    for resource_root in resource_roots:
        base = (root / resource_root).resolve()
        if not base.is_dir():
            continue
        found: list[ProjectFile] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = os.path.relpath(dirpath, base)
            for filename in filenames:
                if filename.startswith(".") or not filename.endswith(suffixes):
                    continue
                relative = filename if rel_dir == "." else f"{rel_dir}/{filename}".replace(os.sep, "/")
                found.append(ProjectFile(Path(dirpath) / filename, resource_root.strip("/"), relative))
        found.sort(key=lambda f: f.relative)
        yield from found
