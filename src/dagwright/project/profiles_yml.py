"""Where profiles.yml is, and its text read with the line of every key (for errors)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from dagwright.errors import ProfileError
from dagwright.project.yamlio import error_line

PROFILES_FILE = "profiles.yml"

#: a key's place in the file: its keys (and list indexes) from the top
KeyPath = tuple[Any, ...]


def _default_dirs(project_dir: Path) -> list[Path]:
    dirs = [Path(project_dir).absolute()]
    cwd = Path.cwd()
    if cwd not in dirs:
        dirs.append(cwd)
    dirs.append(Path.home() / ".dbt")
    return dirs


def _explicit_dir(profiles_dir: str | Path | None) -> tuple[Path, str] | None:
    if profiles_dir is not None and str(profiles_dir) != "":
        return _as_dir(profiles_dir), "--profiles-dir"
    env = os.environ.get("DBT_PROFILES_DIR")
    if env:
        return _as_dir(env), "DBT_PROFILES_DIR"
    return None


def _as_dir(value: str | Path) -> Path:
    p = Path(value).expanduser()
    if p.name == PROFILES_FILE and p.is_file():
        p = p.parent
    return p.absolute()


def find_profiles_dir(profiles_dir: str | Path | None, project_dir: Path) -> Path:
    """The directory whose profiles.yml is used, in dbt's order.

    An explicit ``profiles_dir`` (--profiles-dir) wins, then ``$DBT_PROFILES_DIR``; both
    are returned even if they hold no profiles.yml. Otherwise the first of the project
    directory, the current directory (where dbt itself looks) and ``~/.dbt`` that has a
    profiles.yml; ``~/.dbt`` if none does.
    """
    explicit = _explicit_dir(profiles_dir)
    if explicit is not None:
        return explicit[0]
    dirs = _default_dirs(project_dir)
    for d in dirs:
        if (d / PROFILES_FILE).is_file():
            return d
    return dirs[-1]


def locate(profiles_dir: str | Path | None, project_dir: Path) -> Path:
    explicit = _explicit_dir(profiles_dir)
    if explicit is not None:
        d, source = explicit
        path = d / PROFILES_FILE
        if not path.is_file():
            what = "does not exist" if not d.exists() else f"has no {PROFILES_FILE}"
            raise ProfileError(
                f"could not find {PROFILES_FILE}: the profiles directory {d} (from {source}) {what}",
                path=path,
                hint=f"create {path}, or point {source} at the directory that holds {PROFILES_FILE}",
            )
        return path
    dirs = _default_dirs(project_dir)
    for d in dirs:
        if (d / PROFILES_FILE).is_file():
            return d / PROFILES_FILE
    searched = ", ".join(str(d) for d in dirs)
    raise ProfileError(
        f"could not find {PROFILES_FILE}; looked in: {searched}",
        path=dirs[-1] / PROFILES_FILE,
        hint=f"create {PROFILES_FILE} in one of those directories, "
        "or pass --profiles-dir DIR (or set DBT_PROFILES_DIR)",
    )


def read_profiles(path: Path) -> tuple[Any, dict[KeyPath, int]]:
    """The parsed document and the 1-based line of every mapping key, by key path."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{PROFILES_FILE} is not valid UTF-8 ({exc.reason})", path=path)
    except OSError as exc:
        raise ProfileError(f"cannot read {PROFILES_FILE}: {exc.strerror or exc}", path=path)
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        lines: dict[KeyPath, int] = {}
        if node is not None:
            _index_lines(node, (), lines)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = ": ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
        column = f", column {mark.column + 1}" if mark is not None else ""
        raise ProfileError(
            f"invalid YAML in {PROFILES_FILE}: {problem}{column}",
            path=path,
            line=error_line(exc, text)[0],
            hint="fix the YAML syntax (check indentation, colons and quoting) at that line",
        )
    except yaml.YAMLError as exc:
        raise ProfileError(f"invalid YAML in {PROFILES_FILE}: {type(exc).__name__}", path=path)
    finally:
        loader.dispose()
    return data, lines


def _index_lines(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                sub = (*path, key_node.value)
                lines.setdefault(sub, key_node.start_mark.line + 1)
                _index_lines(value_node, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = (*path, i)
            lines.setdefault(sub, item.start_mark.line + 1)
            _index_lines(item, sub, lines)


def key_line(lines: Mapping[KeyPath, int], path: KeyPath) -> int | None:
    key = tuple(str(p) if not isinstance(p, int) else p for p in path)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return None
