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
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{exc.context}, {problem}"
        raise error(f"invalid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", path=path) from None


def load_yaml_file(path: Path, error: type[ProjectError] = ProjectError) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=path) from None
    return load_yaml_text(text, path, error)
