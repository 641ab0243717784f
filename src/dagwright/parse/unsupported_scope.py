"""What the checks of unsupported features see and report (``parse.unsupported`` holds the
table of features, ``parse.unsupported_options`` the flags and options): the command's
``Scope``, a ``Feature`` (a row), a ``Finding`` (one use), the sets of commands a row errors in,
and how dbt reads a flag's value.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dagwright.parse.materializations import MaterializationBlock, blocks_of
from dagwright.parse.nodes import Manifest, Node
from dagwright.project.config import ProjectConfig
from dagwright.project.files import ProjectFiles

#: commands that build or test nodes in the warehouse
RUNS = frozenset({"run", "build", "seed", "snapshot", "test"})
RUNS_OR_COMPILES = RUNS | {"compile"}
TESTS = frozenset({"test", "build"})
#: commands that take a selection (--select/--exclude/--selector)
SELECTS = RUNS_OR_COMPILES | {"ls", "freshness", "explain"}
EVERY_COMMAND = SELECTS | {"parse"}

# Plain classes, not dataclasses: this module is imported by every command, and creating a
# dataclass costs about a millisecond (a warm parse of 1,000 models takes 110).


class Finding:
    """One use of a feature: where (a file, its line where known; None for the command line,
    the environment), and what."""

    __slots__ = ("line", "path", "what")

    def __init__(self, path: str | None, line: int | None, what: str) -> None:
        self.path, self.line, self.what = path, line, what

    @property
    def where(self) -> str:
        if self.path is None:
            return "command"
        return f"{self.path}:{self.line}" if self.line else self.path


class Scope:
    """What a command is about to do, as the checks see it: ``selected`` are the unique_ids
    it selected (nodes, sources, unit tests); ``projects`` the (config, files) of the root
    project and each installed package; ``options`` the dbt options given to it by name
    (--warn-error, --selector, ...); ``has_selection`` whether --select or --exclude was given;
    ``profile_ignored`` what the target sets that dagwright does not use (``Target.ignored``)."""

    def __init__(
        self,
        command: str,
        manifest: Manifest,
        selected: Sequence[str],
        project: ProjectConfig,
        projects: Sequence[tuple[ProjectConfig, ProjectFiles]],
        adapter_type: str,
        options: Mapping[str, Any] | None = None,
        has_selection: bool = False,
        environ: Mapping[str, str] | None = None,
        profile_ignored: Sequence[str] = (),
    ) -> None:
        self.command = command
        self.manifest = manifest
        self.selected = selected
        self.project = project
        self.projects = projects
        self.adapter_type = adapter_type
        self.options = options or {}
        self.has_selection = has_selection
        self.environ = os.environ if environ is None else environ
        self.profile_ignored = profile_ignored
        self._nodes: list[Node] | None = None
        self._candidates: list[Node] | None = None
        self._blocks: list[MaterializationBlock] | None = None

    def nodes(self) -> list[Node]:
        """The selected nodes (not sources, not unit tests), looked up once."""
        if self._nodes is None:
            nodes = self.manifest.nodes
            self._nodes = [nodes[uid] for uid in self.selected if uid in nodes]
        return self._nodes

    def candidates(self) -> list[Node]:
        """The selected nodes a feature found on nodes can concern: Python models, nodes that
        are not static SQL (a UDF call), and those setting a config key some row reads."""
        if self._candidates is None:
            keys = frozenset(NODE_KEYS)
            self._candidates = [
                n for n in self.nodes() if not n.static or n.language != "sql" or not keys.isdisjoint(n.config)
            ]
        return self._candidates

    def materialization_blocks(self) -> list[MaterializationBlock]:
        if self._blocks is None:
            self._blocks = blocks_of(macros_by_package(self.manifest))
        return self._blocks

    def project_flag(self, name: str) -> Any:
        flags = self.project.raw.get("flags")
        return flags.get(name) if isinstance(flags, Mapping) else None

    def occurrences(self, feature: str) -> list[Mapping[str, Any]]:
        return [o for o in self.manifest.unsupported if o.get("feature") == feature]


class Feature:
    """A row of the table. ``selected`` finds the uses that matter to this command (an error in
    ``errors_in`` commands); ``present`` counts what the project holds (or says it in words),
    for the warning line."""

    __slots__ = ("advice", "errors_in", "many", "one", "present", "selected")

    def __init__(
        self,
        one: str,
        many: str,
        advice: str,
        errors_in: frozenset[str] = frozenset(),
        selected: Callable[[Scope], list[Finding]] | None = None,
        present: Callable[[Scope], int | str] | None = None,
    ) -> None:
        self.one, self.many, self.advice = one, many, advice
        self.errors_in, self.selected, self.present = errors_in, selected, present


#: config keys some row reads (filled by ``_on_nodes``): a selected SQL node that is static and
#: sets none of them cannot use a feature found on nodes, and is passed over at once
NODE_KEYS: set[str] = set()


def macros_by_package(manifest: Manifest) -> dict[str, list[str]]:
    """Package -> the names of its macros (the materialization blocks are among them)."""
    out: dict[str, list[str]] = {}
    for macro in manifest.macros.values():
        out.setdefault(macro.package_name, []).append(macro.name)
    return out


def truthy(value: Any) -> bool:
    """A flag's value as dbt (click) reads one: "1", "true", "yes", "on"... or a true value."""
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "t", "yes", "y", "on")
    return bool(value)


def env_value(environ: Mapping[str, str], name: str) -> str | None:
    """The value of dbt's environment variable ``name`` (without prefix), as dbt 1.11 reads it:
    ``DBT_ENGINE_<name>`` first, then ``DBT_<name>``."""
    for key in (f"DBT_ENGINE_{name}", f"DBT_{name}"):
        if key in environ:
            return environ[key]
    return None
