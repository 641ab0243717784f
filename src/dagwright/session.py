"""What every command starts from: flags, project, profile target, adapter, manifest."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from dagwright.adapters import ADAPTER_TYPES, check_adapter_type, create_adapter
from dagwright.adapters.base import Adapter, Relation
from dagwright.errors import DagwrightError, did_you_mean
from dagwright.graph.selector import select
from dagwright.parse.loader import ManifestLoader, discover, load_macros, load_manifest
from dagwright.parse.nodes import Manifest
from dagwright.project.config import ProjectConfig, load_project
from dagwright.project.profile import Target, load_target
from dagwright.rendering.context import RunContext


@dataclass(frozen=True)
class Flags:
    """The command line, as every command sees it."""

    command: str
    project_dir: str | None = None
    profiles_dir: str | None = None
    target: str | None = None
    vars: str | None = None
    threads: int | None = None
    select: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    full_refresh: bool = False
    fail_fast: bool = False
    target_path: str | None = None
    debug: bool = False
    resource_types: tuple[str, ...] = ()
    output: str = "selector"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_args_safe(self) -> dict[str, Any]:
        """as_args, but never failing (for a command stopped while it started)."""
        try:
            return self.as_args()
        except DagwrightError:
            return {"which": self.command}

    def as_args(self) -> dict[str, Any]:
        """The args block of run_results.json (read back by retry)."""
        out: dict[str, Any] = {
            "which": self.command,
            "project_dir": self.project_dir,
            "profiles_dir": self.profiles_dir,
            "target": self.target,
            "vars": parse_vars(self.vars) if self.vars else {},
            "threads": self.threads,
            "select": list(self.select),
            "exclude": list(self.exclude),
            "full_refresh": self.full_refresh,
            "fail_fast": self.fail_fast,
            "target_path": self.target_path,
        }
        if self.resource_types:
            out["resource_types"] = list(self.resource_types)
        return out


def parse_vars(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DagwrightError(f"--vars is not valid YAML or JSON: {exc}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DagwrightError(
            f"--vars must be a mapping such as '{{my_var: 1}}', got {type(value).__name__}",
        )
    return value


RESOURCE_TYPES = ("model", "seed", "snapshot", "test", "source", "analysis")


class Session:
    def __init__(self, flags: Flags, *, need_profile: bool = True) -> None:
        self.flags = flags
        self.started = time.perf_counter()
        self.project: ProjectConfig = load_project(flags.project_dir)
        self.cli_vars = parse_vars(flags.vars)
        self.target: Target = load_target(
            self.project.profile,
            flags.target,
            profiles_dir=flags.profiles_dir,
            project_dir=self.project.root,
            cli_vars=self.cli_vars,
            threads=flags.threads,
            adapter_types=ADAPTER_TYPES,
        )
        check_adapter_type(self.target)
        self.adapter: Adapter = create_adapter(self.target)
        self.target_path = flags.target_path or self.project.target_path
        self.target_dir = (self.project.root / self.target_path).resolve()
        self._manifest: Manifest | None = None
        self._loader: ManifestLoader | None = None

    @cached_property
    def run_context(self) -> RunContext:
        files = discover(self.project)
        self._files = files
        macros, registry = load_macros(self.project, files.macros)
        self._macros = (macros, registry)
        target = {k: v for k, v in self.target.safe_dict().items() if v != "****"}
        return RunContext(
            project_name=self.project.name,
            project_vars=self.project.vars,
            cli_vars=self.cli_vars,
            target=target,
            macros=registry,
            quote=self.adapter.quote,
            render_relation=self.render_relation,
            flags={
                "FULL_REFRESH": self.flags.full_refresh,
                "FAIL_FAST": self.flags.fail_fast,
                "WHICH": self.flags.command,
                "DEBUG": self.flags.debug,
            },
            dispatch=tuple(self.project.dispatch),
            invocation_args={**self.flags.as_args_safe(), **dict(self.flags.extra)},
        )

    def write_manifest(self, compiled: Mapping[str, str] | None = None) -> None:
        """target/manifest.json for this session's project (compiled code where given)."""
        from dagwright.artifacts.manifest import manifest_dict, write_manifest

        data = manifest_dict(
            self.manifest,
            render_relation=self.render_relation,
            invocation_id=self.run_context.invocation_id,
            adapter_type=self.adapter.type,
            root_path=self.project.root,
            target_path=self.target_path,
            run_started_at=self.run_context.run_started_at,
            compiled=compiled,
        )
        write_manifest(self.target_dir / "manifest.json", data)

    def render_relation(self, relation: Relation) -> str:
        return self.adapter.render(relation)

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            run = self.run_context
            self._manifest, self._loader = load_manifest(
                self.project,
                run,
                self.target.schema,
                self.target.database or None,
                files=self._files,
                macros=self._macros,
            )
        return self._manifest

    @property
    def loader(self) -> ManifestLoader:
        _ = self.manifest
        assert self._loader is not None
        return self._loader

    def select(self, resource_types: Sequence[str], *, include_empty: bool = False) -> list[str]:
        """unique_ids selected by --select/--exclude, restricted to ``resource_types``.

        Like dbt, models whose file is empty (only whitespace) are left out unless
        ``include_empty`` (``ls`` lists them): there is nothing to build.
        """
        manifest = self.manifest
        graph = _SelectableView(manifest)
        chosen = select(
            graph,
            list(self.flags.select) or None,
            list(self.flags.exclude) or None,
            project_root=str(self.project.root),
            project_name=self.project.name,
        )
        return [
            uid
            for uid, node in graph.nodes.items()
            if uid in chosen and node.resource_type in resource_types and (include_empty or not _is_empty(node))
        ]

    def check_resource_types(self, types: Sequence[str]) -> None:
        for t in types:
            if t not in (*RESOURCE_TYPES, "all", "default"):
                raise DagwrightError(f"unknown resource type '{t}'", hint=did_you_mean(t, RESOURCE_TYPES))


def _is_empty(node: Any) -> bool:
    """dbt's ``node.empty``: a model (not a seed or source) whose SQL is only whitespace."""
    if node.resource_type in ("seed", "source"):
        return False
    return not str(getattr(node, "raw_code", "") or "").strip()


class _SelectableView:
    """The manifest as the selector sees it: nodes and sources in one map."""

    def __init__(self, manifest: Manifest) -> None:
        self.nodes: dict[str, Any] = {**manifest.nodes, **manifest.sources}
        self.parents = manifest.parents
        self.children = manifest.children


def project_root_for(path: str | None) -> Path:
    return Path(path).resolve() if path else Path.cwd()
