"""Installed dbt packages: every folder under ``packages-install-path`` holding a dbt_project.yml.

Each package is a project of its own (its paths, vars and folder config), loaded next to the
root project; ``dagwright deps`` (``tasks.deps``) is what puts them there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagwright.errors import ProjectError
from dagwright.project.config import PROJECT_FILE, ProjectConfig, bind_target, load_project
from dagwright.project.files import ProjectFiles, discover

DEFAULT_INSTALL_PATH = "dbt_packages"


@dataclass(frozen=True)
class InstalledPackage:
    config: ProjectConfig
    #: the package's folder as installed (a local package's is a symlink: kept as such, as dbt shows it)
    install_dir: Path
    files: ProjectFiles

    @property
    def name(self) -> str:
        return self.config.name


def install_path(project: ProjectConfig) -> Path:
    """Where packages are installed (``packages-install-path``, default dbt_packages)."""
    raw: Mapping[str, Any] = project.raw
    value = raw.get("packages-install-path") or DEFAULT_INSTALL_PATH
    return project.root / str(value)


def root_flag(project: ProjectConfig, name: str) -> Any:
    """A value of dbt_project.yml's ``flags:`` block (None when not set)."""
    raw: Mapping[str, Any] = project.raw
    flags = raw.get("flags")
    return flags.get(name) if isinstance(flags, Mapping) else None


def installed_packages(
    project: ProjectConfig, cli_vars: Mapping[str, Any] | None = None, target: Mapping[str, Any] | None = None
) -> tuple[InstalledPackage, ...]:
    """The packages installed for ``project``, by folder name. A project without the folder
    has none, and pays one ``stat``."""
    base = install_path(project)
    if not base.is_dir():
        return ()
    out: list[InstalledPackage] = []
    seen: dict[str, Path] = {}
    for folder in sorted(base.iterdir()):
        if folder.name.startswith(".") or not (folder / PROJECT_FILE).is_file():
            continue
        config = load_project(folder, cli_vars)
        if target is not None:
            config = bind_target(config, target)
        if config.name == project.name:
            raise ProjectError(
                f"the installed package in {folder} has the root project's name '{project.name}'",
                path=folder / PROJECT_FILE,
                hint="remove it from packages.yml (a project cannot depend on itself)",
            )
        if config.name in seen:
            raise ProjectError(
                f"two installed packages are named '{config.name}': {seen[config.name]} and {folder}",
                path=folder / PROJECT_FILE,
                hint=f"delete {base} and run 'dagwright deps' again",
            )
        seen[config.name] = folder
        out.append(InstalledPackage(config, base / folder.name, discover(config)))
    return tuple(out)
