"""Snapshots as nodes: ``{% snapshot name %}`` blocks in snapshot-paths, and YAML-defined ones.

A file in snapshot-paths holds one or more top-level ``{% snapshot name %}...{% endsnapshot %}``
blocks (the Jinja environment parses them with ``SnapshotBlockExtension``); each block's
body is a node's SQL, as in dbt. Text outside the blocks is ignored. A properties file may
also define a snapshot (dbt 1.9+)::

    snapshots:
      - name: orders_snapshot
        relation: ref('orders')          # or source('src', 'orders')
        config: {strategy: timestamp, unique_key: id, updated_at: updated_at}

whose SQL is ``select * from {{ ref('orders') }}``.

Config, as dbt layers it: ``snapshots:`` in dbt_project.yml (by fqn, which for a block
includes its file's name), then the properties file, then ``config()`` in the block. The
relation is named like a model's (``schema``/``database`` through generate_*_name), except
that the legacy ``target_schema``/``target_database`` are used as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import jinja2
import jinja2.nodes

from dagwright.errors import CompilationError, ProjectError
from dagwright.parse.checksums import text_checksum
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind, decode
from dagwright.parse.nodes import Node, evolve
from dagwright.project.config import merge_config
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.properties import Patch, Properties
from dagwright.rendering.block_tags import SNAPSHOT_MACRO_PREFIX
from dagwright.rendering.environment import environment

_BLOCK = re.compile(r"{%-?\s*snapshot\s+(\w+)\s*-?%}(.*?){%-?\s*endsnapshot\s*-?%}", re.S)
_COMMENT = re.compile(r"{#.*?#}", re.S)
_RELATION = re.compile(r"^\s*(ref|source)\s*\(.*\)\s*$", re.S)


@dataclass(frozen=True)
class SnapshotBlock:
    name: str
    body: str  # the text between the tags: the snapshot's raw_code
    line: int  # the file's line on which the body starts


def snapshot_blocks(text: str, rel: str) -> list[SnapshotBlock]:
    """The top-level snapshot blocks of a file, in order."""
    try:
        tree = environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise CompilationError(f"Jinja syntax error: {exc.message}", path=rel, line=exc.lineno) from None
    top = [n for n in tree.body if isinstance(n, jinja2.nodes.Macro) and n.name.startswith(SNAPSHOT_MACRO_PREFIX)]
    nested = [n for n in tree.find_all(jinja2.nodes.Macro) if n.name.startswith(SNAPSHOT_MACRO_PREFIX)]
    if len(nested) != len(top):
        inner = next(n for n in nested if n not in top)
        raise ProjectError(
            "a snapshot block must be at the top level of its file (not inside another block)",
            path=rel,
            line=inner.lineno,
        )
    # The body's exact text (the syntax tree has no offsets): find the blocks in the text with
    # Jinja comments blanked out, and check that they are the ones Jinja parsed.
    masked = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    blocks = [
        SnapshotBlock(m.group(1), text[m.start(2) : m.end(2)], text.count("\n", 0, m.start(2)) + 1)
        for m in _BLOCK.finditer(masked)
    ]
    parsed = [n.name[len(SNAPSHOT_MACRO_PREFIX) :] for n in top]
    if [b.name for b in blocks] != parsed:
        raise ProjectError(
            f"could not delimit the snapshot blocks of this file (found {', '.join(parsed) or 'none'})",
            path=rel,
            hint="write each block as {% snapshot name %} ... {% endsnapshot %}",
        )
    return blocks


def _checksum(text: str) -> str:
    """dbt's file checksum: sha256 of the stripped contents."""
    return text_checksum(text.strip())


def validate_config(config: Mapping[str, Any], rel: str, unique_id: str) -> None:
    """dbt's ``SnapshotConfig.final_validate``, with its messages."""

    def fail(message: str) -> None:
        raise ProjectError(message, path=rel, node=unique_id)

    strategy = config.get("strategy")
    if not strategy or not config.get("unique_key"):
        fail("Snapshots must be configured with a 'strategy' and 'unique_key'.")
    check_cols = config.get("check_cols")
    if strategy == "check":
        if not check_cols:
            fail("A snapshot configured with the check strategy must specify a check_cols configuration.")
        if isinstance(check_cols, str) and check_cols != "all":
            fail(f"Invalid value for 'check_cols': {check_cols}. Expected 'all' or a list of strings.")
    elif strategy == "timestamp":
        if not config.get("updated_at"):
            fail("A snapshot configured with the timestamp strategy must specify an updated_at configuration.")
        if check_cols:
            fail("A 'timestamp' snapshot should not have 'check_cols'")
    materialized = config.get("materialized")
    if materialized and materialized != "snapshot":
        fail("A snapshot must have a materialized value of 'snapshot'")


class SnapshotParser:
    def __init__(self, scope: ProjectScope) -> None:
        self.scope = scope
        self.project = scope.project

    def _node(
        self,
        *,
        name: str,
        path: str,
        rel: str,
        fqn: tuple[str, ...],
        raw: str,
        template_text: str,
        checksum: str,
        patch: Patch | None,
    ) -> Node:
        scope = self.scope
        unique_id = f"snapshot.{self.project.name}.{name}"
        config = self.project.snapshots.resolve(fqn)
        if patch is not None:
            config = merge_config(config, patch.config)
        node = Node(
            unique_id=unique_id,
            resource_type="snapshot",
            package_name=self.project.name,
            name=name,
            path=path,
            original_file_path=rel,
            fqn=fqn,
            raw_code=raw,
            config=config,
            database=scope.target_database,
            schema=scope.target_schema,
            alias=name,
            checksum=checksum,
        )
        node = scope.apply_patch(node, patch)
        refs, sources, in_file, parts, called = scope.template_calls(
            node, template_text, {**config, "materialized": "snapshot"}
        )
        config = merge_config(config, in_file)
        if scope.root is not None:  # an installed package's snapshot: the root project's config wins (dbt)
            config = merge_config(config, scope.root.snapshots.resolve(fqn))
        if config.get("enabled", True):
            validate_config(config, rel, unique_id)
        config["materialized"] = "snapshot"
        if hook_calls := scope.hook_macros(config):
            called = tuple(dict.fromkeys((*called, *hook_calls)))
        node = evolve(
            node, refs=tuple(refs), sources=tuple(sources), static=parts is not None, depends_on_macros=called
        )
        node = scope.finish(node, config)
        if config.get("target_database"):
            node = replace(node, database=str(config["target_database"]))
        if config.get("target_schema"):
            node = replace(node, schema=str(config["target_schema"]))
        return node

    def parse_file(self, file: ProjectFile, patches: Mapping[tuple[str, str], Patch]) -> list[Node]:
        rel = file.original_file_path
        text = decode(file.path.read_bytes(), rel)
        checksum = _checksum(text)
        nodes = []
        for block in snapshot_blocks(text, rel):
            # A leading Jinja comment holding the lines before the block keeps error lines
            # those of the file; it renders as nothing.
            pad = "{#" + "\n" * (block.line - 1) + "#}" if block.line > 1 else ""
            nodes.append(
                self._node(
                    name=block.name,
                    path=file.relative,
                    rel=rel,
                    fqn=(self.project.name, *file.folders, file.stem, block.name),
                    raw=block.body,
                    template_text=pad + block.body,
                    checksum=checksum,
                    patch=patches.get(("snapshot", block.name)),
                )
            )
        return nodes

    def parse_yaml(self, file: ProjectFile, entries: list[Any], patches: Mapping[tuple[str, str], Patch]) -> list[Node]:
        """Snapshots defined in a properties file by ``relation:`` (dbt 1.9+)."""
        rel = file.original_file_path
        nodes = []
        for entry in entries:
            if not isinstance(entry, Mapping) or "relation" not in entry:
                continue
            if "name" not in entry:
                raise ProjectError("A snapshot must define the 'name' property. ", path=rel)
            name = str(entry["name"])
            relation = str(entry["relation"])
            if not _RELATION.match(relation):
                raise ProjectError(
                    f"the 'relation' of snapshot '{name}' must be a ref() or source() call, got {relation!r}",
                    path=rel,
                )
            raw = "select * from {{ " + relation + " }}"
            nodes.append(
                self._node(
                    name=name,
                    path=f"{file.relative}/{name}.sql",
                    rel=rel,
                    fqn=(self.project.name, *file.folders, name),
                    raw=raw,
                    template_text=raw,
                    checksum=_checksum(file.path.read_text(encoding="utf-8")),
                    patch=patches.get(("snapshot", name)),
                )
            )
        return nodes


def parse_snapshots(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    """Every snapshot of the project: blocks in snapshot-paths, then YAML-defined ones."""
    parser = SnapshotParser(scope)
    for file in files.snapshots:
        for node in parser.parse_file(file, props.patches):
            out.add(node)
    for file, entries in props.snapshot_entries:
        for node in parser.parse_yaml(file, entries, props.patches):
            out.add(node)


SNAPSHOTS = ResourceKind("snapshot", parse_snapshots)
