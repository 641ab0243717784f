"""Finding a project's files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagwright.project.config import ProjectConfig

#: dagwright's own macros (the "dbt" package)
BUILTIN_MACROS = Path(__file__).resolve().parent.parent / "macros"


def read_bytes(path: Path | str) -> bytes:
    """A file's bytes, read with plain system calls: half the time of ``Path.read_bytes``
    (its buffered file object), which counts when a parse reads 10,000 small files."""
    fd = os.open(path, os.O_RDONLY)
    try:
        data = os.read(fd, 1 << 16)
        if len(data) < 1 << 16:
            return data  # a short read of a regular file is its end (EINTR is retried)
        chunks = [data]
        while data:
            data = os.read(fd, 1 << 20)
            chunks.append(data)
        return b"".join(chunks)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class ProjectFile:
    path: Path  # absolute
    resource_root: str  # the resource folder it was found under, e.g. "models"
    relative: str  # posix path relative to resource_root, e.g. "staging/orders.sql"

    # cached: a parse asks each of 10,000 files for these several times
    @cached_property
    def original_file_path(self) -> str:
        return f"{self.resource_root}/{self.relative}" if self.resource_root not in ("", ".") else self.relative

    @cached_property
    def folders(self) -> tuple[str, ...]:
        return tuple(self.relative.split("/")[:-1])

    @cached_property
    def stem(self) -> str:
        name = self.relative.rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[0]


def _project_file(path: Path, resource_root: str, relative: str) -> ProjectFile:
    """``ProjectFile(...)`` without the frozen dataclass's ``__init__`` (an ``object.__setattr__``
    per field): a project of 10,000 models makes one per file on every parse, cached or not."""
    file = object.__new__(ProjectFile)
    object.__setattr__(file, "__dict__", {"path": path, "resource_root": resource_root, "relative": relative})
    return file


def find_files(root: Path, resource_roots: Iterable[str], suffixes: tuple[str, ...]) -> Iterator[ProjectFile]:
    """Files with one of ``suffixes`` under each resource folder, in a stable order."""
    for resource_root in resource_roots:
        base = (root / resource_root).resolve()
        if not base.is_dir():
            continue
        found: list[ProjectFile] = []
        stripped_root = resource_root.strip("/")
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel_dir = os.path.relpath(dirpath, base)
            directory = Path(dirpath)  # once per folder: a Path costs more than the rest of a file's entry
            for filename in filenames:
                if filename.startswith(".") or not filename.endswith(suffixes):
                    continue
                relative = filename if rel_dir == "." else f"{rel_dir}/{filename}".replace(os.sep, "/")
                found.append(_project_file(directory / filename, stripped_root, relative))
        found.sort(key=lambda f: f.relative)
        yield from found


@dataclass(frozen=True)
class ProjectFiles:
    models: list[ProjectFile]
    seeds: list[ProjectFile]
    macros: list[ProjectFile]
    properties: list[ProjectFile]
    singular_tests: list[ProjectFile]
    snapshots: list[ProjectFile] = field(default_factory=list)
    #: ``.py`` files under model-paths (dbt's Python models)
    python_models: list[ProjectFile] = field(default_factory=list)
    analyses: list[ProjectFile] = field(default_factory=list)
    #: UDF files under function-paths: found, not parsed (not implemented; reported)
    functions: list[ProjectFile] = field(default_factory=list)


#: folders directly under a test path that hold no singular tests (dbt: generic test macros,
#: unit-test fixtures)
NOT_SINGULAR_TESTS = ("generic/", "fixtures/")


def discover(project: ProjectConfig) -> ProjectFiles:
    root = project.root
    function_paths = project.function_paths
    # property files are read from every resource folder, as dbt reads them
    yml_roots = (
        *project.model_paths,
        *project.seed_paths,
        *project.snapshot_paths,
        *project.macro_paths,
        *project.test_paths,
        *project.analysis_paths,
        *function_paths,
    )
    models = list(find_files(root, project.model_paths, (".sql", ".py")))
    return ProjectFiles(
        models=[f for f in models if f.relative.endswith(".sql")],
        seeds=list(find_files(root, project.seed_paths, (".csv",))),
        macros=list(find_files(root, project.macro_paths, (".sql",)))
        + list(find_files(root, [f"{p.rstrip('/')}/generic" for p in project.test_paths], (".sql",))),
        properties=list(find_files(root, _unique_folders(yml_roots), (".yml", ".yaml"))),
        singular_tests=[
            f for f in find_files(root, project.test_paths, (".sql",)) if not f.relative.startswith(NOT_SINGULAR_TESTS)
        ],
        snapshots=list(find_files(root, project.snapshot_paths, (".sql",))),
        python_models=[f for f in models if f.relative.endswith(".py")],
        analyses=list(find_files(root, project.analysis_paths, (".sql",))),
        functions=list(find_files(root, function_paths, (".sql", ".py"))),
    )


def _unique_folders(folders: Iterable[str]) -> list[str]:
    """Each folder once (``models`` and ``models/`` are one), so no file is read twice."""
    return list(dict.fromkeys(f.rstrip("/") or f for f in folders))


def builtin_macro_files() -> list[ProjectFile]:
    return list(find_files(BUILTIN_MACROS.parent, ["macros"], (".sql",)))
