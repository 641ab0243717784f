"""A failed contract's message against dbt-core + dbt-duckdb: the intro and the table of
differences (column, definition type, contract type, reason; sorted by column) must read the
same in run_results.json. dbt's message goes on with its macro stack, which dagwright has not."""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import COMMAND_TIMEOUT, PROJECTS_DIR, Tools, load_case, prepare_workspace, tool_env

FAILING = ("mismatch", "missing_view")


def _messages(tools: Tools, tool: str, root: Path) -> dict[str, tuple[str, str]]:
    case = load_case(PROJECTS_DIR / "contracts")
    ws = prepare_workspace(case, tool, root)
    argv = [tools.executable(tool), "run", "-s", *FAILING]
    argv += ["--project-dir", str(ws.project), "--profiles-dir", str(ws.profiles_dir)]
    argv += ["--vars", json.dumps(case.vars)]
    done = subprocess.run(
        argv, cwd=ws.project, env=tool_env(case, ws.home), capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    assert done.returncode == 1, f"{tool} run:\n{done.stdout}\n{done.stderr}"
    results = json.loads((ws.project / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {r["unique_id"]: (r["status"], _contract_part(r["message"])) for r in results}


def _contract_part(message: str) -> str:
    """The message up to the end of its table (dbt's macro stack after it left out)."""
    lines = message.splitlines()
    last_row = max(i for i, line in enumerate(lines) if line.lstrip().startswith("|"))
    return "\n".join(lines[: last_row + 1])


@pytest.mark.compat
def test_contract_failure_message_as_dbt(compat_tools: Tools, tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {t: pool.submit(_messages, compat_tools, t, tmp_path / t) for t in ("dbt", "dagwright")}
        dbt, ours = futures["dbt"].result(), futures["dagwright"].result()
    assert set(dbt) == {f"model.contracts.{name}" for name in FAILING}
    assert ours == dbt
    row = "| amount      | DECIMAL(2,1)    | DOUBLE        | data type mismatch |"
    assert row in dbt["model.contracts.mismatch"][1]
