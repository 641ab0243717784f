"""YAML reading with file and line in every error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dagwright.errors import ProjectError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_text(text: str, path: Path | str, error: type[ProjectError] = ProjectError) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line, at_end = error_line(exc, text)
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{exc.context}, {problem}"
        if at_end and "end of stream" not in problem:
            problem += " at the end of the file"
        raise error(f"invalid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", path=path) from None


def error_line(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, bool]:
    """The 1-based line to report, and whether the problem is at the end of the file. There the
    parser's mark sits on the line after the last (the end of the stream): the line where the
    unfinished construct (quote, bracket...) began says more, else the file's last line."""
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return None, False
    last_line = text.rstrip().count("\n") + 1
    if mark.line + 1 <= last_line:
        return mark.line + 1, False
    if exc.context_mark is not None and exc.context_mark.line + 1 <= last_line:
        return exc.context_mark.line + 1, True
    return last_line, True


def line_of(path: Path, keypath: tuple[str | int, ...]) -> int | None:
    """The line of the value at ``keypath`` in the YAML file at ``path`` (the nearest enclosing
    key that exists), for error messages: the file is read again only when one is raised."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    line = None
    for key in keypath:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            found = node.value[key]
        else:
            found = None
        if found is None:
            break
        node = found
        line = node.start_mark.line + 1
    return line


def load_yaml_file(path: Path, error: type[ProjectError] = ProjectError) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=path) from None
    return load_yaml_text(text, path, error)
