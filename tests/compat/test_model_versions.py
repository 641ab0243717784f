"""Model versions against dbt-core + dbt-duckdb, where the compat harness does not look: the
manifest fields of versioned models and of their tests, and what ``ls`` lists for version
selectors and names (the harness compares what ``run``/``build`` build: the model_versions
cases)."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import COMMAND_TIMEOUT, PROJECTS_DIR, Tools, load_case, prepare_workspace, tool_env
from .test_manifest_fields import _differences

CASE = "model_versions"
#: fields of every model and test compared besides test_manifest_fields.NODE_FIELDS
VERSION_FIELDS = (
    "name",
    "fqn",
    "path",
    "original_file_path",
    "patch_path",
    "version",
    "latest_version",
    "deprecation_date",
    "refs",
    "attached_node",
    "test_metadata",
    "file_key_name",
)
#: ``ls --select`` arguments: the version method, a model's name (every version), its
#: versions by qualified name (``m.v2``, ``m_v2``), graph operators over versions
SELECTIONS = (
    "version:latest",
    "version:prerelease",
    "version:old",
    "version:none",
    "dim_customers",
    "dim_customers.v2",
    "dim_customers_v3",
    "fqn:model_versions.marts.dim_customers.v1",
    "+customers_pinned",
    "dim_customers.v1+",
    "countries+",
    "path:models/marts/dim_customers.sql",
    "tag:customers,version:old",
)


def _run(tools: Tools, tool: str, root: Path, commands: list[list[str]]) -> tuple[dict[str, Any], list[str]]:
    """The manifest after ``parse``, and each command's stdout, run by ``tool`` on its own copy."""
    case = load_case(PROJECTS_DIR / CASE)
    ws = prepare_workspace(case, tool, root)
    outputs = []
    for args in [["parse"], *commands]:
        argv = [tools.executable(tool), *args, "--project-dir", str(ws.project), "--profiles-dir", str(ws.profiles_dir)]
        done = subprocess.run(
            argv,
            cwd=ws.project,
            env=tool_env(case, ws.home),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        assert done.returncode == 0, f"{tool} {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        outputs.append(done.stdout)
        if args == ["parse"]:
            manifest = json.loads((ws.project / "target" / "manifest.json").read_text(encoding="utf-8"))
    return manifest, outputs[1:]


def _listed(stdout: str) -> list[str]:
    """The names ``ls`` printed (dbt's log lines left out)."""
    return sorted(line.strip() for line in stdout.splitlines() if line.startswith(f"{CASE}."))


@pytest.mark.compat
def test_versioned_manifest_and_ls_as_dbt(compat_tools: Tools, tmp_path: Path) -> None:
    # one ls per selection, quiet (dbt prints no log lines with -q); dagwright's ls prints none
    commands = {
        "dbt": [["ls", "-q", "--select", s] for s in SELECTIONS],
        "dagwright": [["ls", "--select", s] for s in SELECTIONS],
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {t: pool.submit(_run, compat_tools, t, tmp_path / t, commands[t]) for t in ("dbt", "dagwright")}
        (dbt, dbt_ls), (ours, our_ls) = futures["dbt"].result(), futures["dagwright"].result()
    versioned = [uid for uid, n in dbt["nodes"].items() if n.get("version") is not None]
    assert len(versioned) == 5, "the case project has no versioned models: it is broken"
    problems = _differences(dbt, ours)
    for uid in sorted(set(dbt["nodes"]) & set(ours["nodes"])):
        for field in VERSION_FIELDS:
            expected, actual = dbt["nodes"][uid].get(field), ours["nodes"][uid].get(field)
            if expected != actual:
                problems.append(f"{uid} {field}: dbt {expected!r}, dagwright {actual!r}")
    for selection, expected, actual in zip(SELECTIONS, dbt_ls, our_ls):
        if _listed(expected) != _listed(actual):
            problems.append(f"ls --select {selection}: dbt {_listed(expected)}, dagwright {_listed(actual)}")
    assert not problems, "\n".join(problems)
