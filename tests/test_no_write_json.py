"""``--no-write-json`` on parse, ls, compile and show: no manifest.json and no run_results.json,
as dbt-core 1.11 leaves target/ (the oracle). Without it both are written."""

from __future__ import annotations

from pathlib import Path

import pytest

from oracle import Twins, needs_dbt

pytestmark = needs_dbt

ARTIFACTS = ("manifest.json", "run_results.json")


@pytest.mark.parametrize("command", [["parse"], ["ls"], ["compile"], ["show", "-s", "a"]], ids=lambda c: c[0])
def test_no_write_json_writes_no_artifact(tmp_path: Path, command: list[str]) -> None:
    twins = Twins(tmp_path, {"models/a.sql": "select 1 as id"})
    twins.both(*command, "--no-write-json")
    for tool, root in twins.roots.items():
        written = [name for name in ARTIFACTS if (root / "target" / name).exists()]
        assert written == [], f"{tool} wrote {written}"
    twins.both(*command)
    left = {tool: sorted(n for n in ARTIFACTS if (root / "target" / n).exists()) for tool, root in twins.roots.items()}
    assert left["dagwright"] == left["dbt"]
