"""Reading a project's ``selectors.yml``: named selections (``--selector NAME``, and the one
marked ``default: true`` that a command uses when it is given no selection).

The file is rendered as dbt renders it (``env_var``, ``var`` from ``--vars``, ``target``);
this module checks the shape of each entry (``name``, ``definition``, ``description``,
``default``) and that at most one is the default. What a definition selects is
``graph/selector_definitions.py``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagwright.errors import ProjectError
from dagwright.project.project_renderer import ProjectRenderer
from dagwright.project.yamlio import line_of, load_yaml_file

SELECTORS_FILE = "selectors.yml"
_ENTRY_KEYS = ("name", "definition", "description", "default")
_DOCS = "see https://docs.getdbt.com/reference/node-selection/yaml-selectors"


@dataclass(frozen=True)
class SelectorEntry:
    """One entry of ``selectors:``, rendered; ``index`` is its position in the file."""

    name: str
    definition: Any
    description: str
    default: bool
    index: int
    #: the entry as written (rendered): manifest.json's ``selectors`` start from it
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class SelectorsFile:
    path: Path
    entries: tuple[SelectorEntry, ...]

    def line(self, *keypath: str | int) -> int | None:
        """The line of ``selectors[...]...`` (for errors only: the file is read again)."""
        return line_of(self.path, ("selectors", *keypath))

    @property
    def default(self) -> SelectorEntry | None:
        return next((e for e in self.entries if e.default), None)


def read_selectors(root: Path, cli_vars: Mapping[str, Any], target: Mapping[str, Any] | None) -> SelectorsFile | None:
    """The project's selectors.yml, or None when it has none."""
    path = root / SELECTORS_FILE
    if not path.is_file():
        return None
    raw = load_yaml_file(path)
    if raw is None:
        raise ProjectError("selectors.yml is empty", path=path, hint="give it a 'selectors:' list, or delete it")
    if not isinstance(raw, Mapping) or "selectors" not in raw:
        raise ProjectError("selectors.yml must be a mapping with a 'selectors:' list", path=path, hint=_DOCS)
    data = ProjectRenderer(path, cli_vars, target).render_project({str(k): v for k, v in raw.items()})
    items = data["selectors"]
    if not isinstance(items, list):
        raise ProjectError(
            "'selectors:' of selectors.yml must be a list", path=path, line=line_of(path, ("selectors",))
        )
    entries: list[SelectorEntry] = []
    for index, item in enumerate(items):
        line = line_of(path, ("selectors", index))
        if not isinstance(item, Mapping):
            raise ProjectError(
                f"selector #{index + 1} must be a mapping with 'name' and 'definition'", path=path, line=line
            )
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise ProjectError(f"selector #{index + 1} has no 'name'", path=path, line=line)
        for key in item:
            if key not in _ENTRY_KEYS:
                raise ProjectError(
                    f"selector '{name}' has an unknown key '{key}'; a selector has " + ", ".join(_ENTRY_KEYS),
                    path=path,
                    line=line_of(path, ("selectors", index, str(key))),
                )
        if "definition" not in item:
            raise ProjectError(f"selector '{name}' has no 'definition'", path=path, line=line, hint=_DOCS)
        default = item.get("default", False)
        if not isinstance(default, bool):
            raise ProjectError(
                f"'default' of selector '{name}' must be true or false",
                path=path,
                line=line_of(path, ("selectors", index, "default")),
            )
        description = item.get("description")
        if any(e.name == name for e in entries):
            raise ProjectError(f"selector '{name}' is defined twice", path=path, line=line)
        entries.append(
            SelectorEntry(
                name, item["definition"], "" if description is None else str(description), default, index, dict(item)
            )
        )
    defaults = [e for e in entries if e.default]
    if len(defaults) > 1:
        raise ProjectError(
            f"several selectors have 'default: true': {defaults[0].name} and {defaults[1].name}",
            path=path,
            line=line_of(path, ("selectors", defaults[1].index, "default")),
            hint="only one selector can be the default selection",
        )
    return SelectorsFile(path, tuple(entries))
