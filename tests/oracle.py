"""One small project run by dbt-core (the oracle) and by dagwright side by side, for the tests
that compare what the compat harness does not: artifact fields and command output.

``Twins(tmp, files)`` writes ``files`` twice, ``<tmp>/dbt`` and ``<tmp>/dagwright``, each with
its own profiles.yml and DuckDB file; ``twins.dbt(...)`` and ``twins.dagwright(...)`` run a
command in one of them and return the finished process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

DBT = Path(sys.executable).parent / "dbt"

needs_dbt = pytest.mark.skipif(not DBT.exists(), reason="dbt-core (the oracle) is not installed next to python")

PROJECT_YML = "name: proj\nversion: '1.0.0'\nconfig-version: 2\nprofile: proj\n"

PROFILES_YML = """\
proj:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{db}"
      threads: {threads}
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_"))}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DO_NOT_TRACK"] = "1"
    return env


class Twins:
    def __init__(self, tmp: Path, files: Mapping[str, str], threads: int = 1) -> None:
        self.roots: dict[str, Path] = {}
        for tool in ("dbt", "dagwright"):
            root = tmp / tool
            for rel, text in {"dbt_project.yml": PROJECT_YML, **files}.items():
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(textwrap.dedent(text), encoding="utf-8")
            (root / "profiles.yml").write_text(
                PROFILES_YML.format(db=tmp / f"{tool}.duckdb", threads=threads), encoding="utf-8"
            )
            self.roots[tool] = root

    def _run(self, tool: str, args: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
        root = self.roots[tool]
        program = [str(DBT)] if tool == "dbt" else [sys.executable, "-m", "dagwright.cli"]
        extra = ["--no-use-colors"] if tool == "dbt" else []
        return subprocess.run(
            [*program, *extra, *args, "--project-dir", str(root), "--profiles-dir", str(root)],
            cwd=root,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def dbt(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run("dbt", args)

    def dagwright(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run("dagwright", args)

    def both(self, *args: str, code: int | None = 0) -> tuple[subprocess.CompletedProcess[str], ...]:
        """Run ``args`` with both tools; both must exit with ``code`` (None: the same code)."""
        theirs, ours = self.dbt(*args), self.dagwright(*args)
        want = theirs.returncode if code is None else code
        assert theirs.returncode == want, f"dbt {args}: exit {theirs.returncode}\n{theirs.stdout}{theirs.stderr}"
        assert ours.returncode == want, f"dagwright {args}: exit {ours.returncode}\n{ours.stdout}{ours.stderr}"
        return theirs, ours

    def artifact(self, tool: str, name: str) -> dict[str, Any]:
        return json.loads((self.roots[tool] / "target" / name).read_text(encoding="utf-8"))

    def results(self, tool: str) -> dict[str, dict[str, Any]]:
        return {r["unique_id"]: r for r in self.artifact(tool, "run_results.json")["results"]}


def log_lines(stdout: str) -> list[str]:
    """dbt's or dagwright's lines without the leading ``HH:MM:SS`` time stamp."""
    out = []
    for line in stdout.splitlines():
        if len(line) > 10 and line[2] == ":" and line[5] == ":" and line[8:10] == "  ":
            line = line[10:]
        out.append(line)
    return out
