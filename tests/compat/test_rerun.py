"""dagwright against dbt-core + dbt-duckdb on projects whose files change between commands.

A case is a folder under ``rerun/<case>/``: the dbt project in ``project/``, other folders
holding replacement files, and a ``compat.yml`` whose commands may name one of those
folders as ``overlay``: it is copied over both tools' copies of the project just before that
command runs. Everything else (the workspaces, the comparison after every command) is the
compat harness of ``conftest.py``.
"""

from __future__ import annotations

import dataclasses
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from .conftest import TOOLS, Case, CaseRun, Step, Tools, assert_same_results, prepare_workspace, run_steps

RERUN_DIR = Path(__file__).resolve().parent / "rerun"


@dataclasses.dataclass(frozen=True)
class RerunStep:
    args: tuple[str, ...]
    exit: int
    overlay: Path | None


def load_steps(folder: Path) -> list[RerunStep]:
    spec = yaml.safe_load((folder / "compat.yml").read_text(encoding="utf-8")) or {}
    steps = []
    for command in spec["commands"]:
        if isinstance(command, dict):
            overlay = command.get("overlay")
            steps.append(
                RerunStep(
                    tuple(str(a) for a in command["args"]),
                    int(command.get("exit", 0)),
                    folder / overlay if overlay else None,
                )
            )
        else:
            steps.append(RerunStep(tuple(str(a) for a in command), 0, None))
    return steps


def rerun_cases() -> list[str]:
    if not RERUN_DIR.is_dir():
        return []
    return sorted(d.name for d in RERUN_DIR.iterdir() if (d / "project" / "dbt_project.yml").is_file())


@pytest.mark.compat
@pytest.mark.parametrize("name", rerun_cases())
def test_rerun_builds_the_same_as_dbt(name: str, compat_tools: Tools, tmp_path: Path) -> None:
    folder = RERUN_DIR / name
    steps = load_steps(folder)
    case = Case(
        name=name,
        project=folder / "project",
        commands=tuple(s.args for s in steps),
        oracle_exits=tuple(s.exit for s in steps),
    )
    workspaces = {tool: prepare_workspace(case, tool, tmp_path / tool) for tool in TOOLS}
    done: dict[str, list[Step]] = {tool: [] for tool in TOOLS}
    with ThreadPoolExecutor(max_workers=len(TOOLS)) as pool:
        for step in steps:
            if step.overlay is not None:
                for ws in workspaces.values():
                    shutil.copytree(step.overlay, ws.project, dirs_exist_ok=True)
            one = dataclasses.replace(case, commands=(step.args,), oracle_exits=(step.exit,))
            futures = {tool: pool.submit(run_steps, one, compat_tools, ws) for tool, ws in workspaces.items()}
            for tool, future in futures.items():
                done[tool] += future.result()
    assert_same_results(CaseRun(case, done["dbt"], done["dagwright"]))
