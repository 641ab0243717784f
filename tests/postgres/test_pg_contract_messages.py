"""A failed contract's message against dbt-core + dbt-postgres: the table of differences
names types as dbt-postgres does (its driver's type names: INTEGER, TEXT, DECIMAL, FLOAT...),
so the intro and the table in run_results.json must read as dbt's. dbt's message goes on with
its macro stack, which dagwright has not."""

from __future__ import annotations

import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from compat.conftest import BIN_DIR, COMMAND_TIMEOUT, engine_case, prepare_workspace, tool_env

from .conftest import ARTICLE_OVERLAY, ROLE, new_db_name, profiles_text
from .test_pg_compat import OVERLAYS_DIR, _oracle

pytestmark = pytest.mark.postgres

FAILING = ("mismatch", "missing_view")


def _messages(tool: str, executable: str, root: Path, server) -> dict[str, tuple[str, str]]:
    case = engine_case("contracts", OVERLAYS_DIR, ARTICLE_OVERLAY)
    dbname = new_db_name(f"m_{tool}")
    server.create_database(dbname, ROLE)
    ws = prepare_workspace(case, tool, root, lambda profile: profiles_text(profile, server, dbname, threads=2))
    argv = [executable, "run", "-s", *FAILING, "--project-dir", str(ws.project), "--profiles-dir", str(ws.profiles_dir)]
    argv += ["--vars", json.dumps(case.vars)]
    done = subprocess.run(
        argv, cwd=ws.project, env=tool_env(case, ws.home), capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    assert done.returncode == 1, f"{tool} run:\n{done.stdout}\n{done.stderr}"
    results = json.loads((ws.project / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    return {r["unique_id"]: (r["status"], _contract_part(r["message"])) for r in results}


def _contract_part(message: str) -> str:
    lines = message.splitlines()
    last_row = max(i for i, line in enumerate(lines) if line.lstrip().startswith("|"))
    return "\n".join(lines[: last_row + 1])


@pytest.mark.compat
def test_contract_failure_message_as_dbt_postgres(pg_server, tmp_path: Path) -> None:
    dbt = _oracle()
    dagwright = shutil.which("dagwright", path=str(BIN_DIR))
    assert dagwright
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            tool: pool.submit(_messages, tool, exe, tmp_path / tool, pg_server)
            for tool, exe in (("dbt", dbt), ("dagwright", dagwright))
        }
        expected, actual = futures["dbt"].result(), futures["dagwright"].result()
    assert set(expected) == {f"model.contracts.{name}" for name in FAILING}
    assert actual == expected
    row = "| id          | INTEGER         | TEXT          | data type mismatch |"
    assert row in expected["model.contracts.mismatch"][1]
