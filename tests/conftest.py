"""Shared fixtures for the end-to-end tests: projects in tmp dirs, the CLI as a subprocess,
and read-only queries against the DuckDB file once the process has exited."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "article"

#: the models of the example project: name -> (schema, table type)
EXAMPLE_MODELS = {
    "stg_orders": ("main_staging", "VIEW"),
    "model_alpha": ("main", "BASE TABLE"),
    "model_beta_a": ("main", "BASE TABLE"),
    "model_beta_b": ("main", "BASE TABLE"),
    "model_gamma_a": ("main", "BASE TABLE"),
    "model_gamma_b": ("main", "BASE TABLE"),
}

DEFAULT_PROJECT_YML = """\
name: proj
version: "1.0.0"
config-version: 2
profile: proj
"""

DEFAULT_PROFILES_YML = """\
proj:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('DAGWRIGHT_DEMO_DB') }}"
      threads: 1
"""


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    args: tuple[str, ...] = ()

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:  # shown by pytest when an assertion on a Result fails
        return f"exit {self.code} for {' '.join(self.args)}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_cli(*args: str, cwd: Path, env: Mapping[str, str], timeout: float = 120) -> Result:
    """``dagwright ARGS`` in a subprocess; the process has exited when this returns."""
    cmd = [sys.executable, "-m", "dagwright.cli", *args]
    proc = subprocess.run(cmd, cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False)
    return Result(proc.returncode, proc.stdout, proc.stderr, tuple(args))


@dataclass
class Project:
    """A dbt project in a tmp dir, with its own DuckDB file (``$DAGWRIGHT_DEMO_DB``)."""

    root: Path
    db: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def target(self) -> Path:
        return self.root / "target"

    def run(self, *args: str, cwd: Path | None = None) -> Result:
        """The CLI, run from the project folder (profiles.yml is found there too)."""
        return run_cli(*args, cwd=cwd or self.root, env=self.env)

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.code == 0, str(result)
        return result

    # -- the warehouse, read-only, after the process exited -----------------------------
    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        assert self.db.exists(), f"no DuckDB file at {self.db}"
        conn = duckdb.connect(str(self.db), read_only=True)
        try:
            return conn.execute(sql, params or []).fetchall()
        finally:
            conn.close()

    def tables(self) -> dict[tuple[str, str], str]:
        """(schema, name) -> table_type of every table and view in the warehouse."""
        rows = self.query("select table_schema, table_name, table_type from information_schema.tables")
        return {(schema, name): kind for schema, name, kind in rows}

    # -- artifacts ----------------------------------------------------------------------
    def run_results(self) -> dict[str, Any]:
        return json.loads((self.target / "run_results.json").read_text(encoding="utf-8"))

    def manifest(self) -> dict[str, Any]:
        return json.loads((self.target / "manifest.json").read_text(encoding="utf-8"))

    def statuses(self) -> dict[str, str]:
        """model name -> status, from run_results.json."""
        return {r["unique_id"].split(".")[-1]: r["status"] for r in self.run_results()["results"]}


def _base_env(tmp: Path, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_"))}
    home = tmp / "home"
    home.mkdir(exist_ok=True)
    env["HOME"] = str(home)  # no ~/.dbt/profiles.yml from the machine
    env["DAGWRIGHT_DEMO_DB"] = str(db)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def copy_example(tmp: Path, name: str = "article", db_name: str = "warehouse.duckdb") -> Project:
    """examples/article copied to ``tmp/name``, without its target/ or any DuckDB file."""
    root = tmp / name
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", "*.duckdb.wal", "*.wal"))
    db = tmp / db_name
    return Project(root, db, _base_env(tmp, db))


def write_project(tmp: Path, files: Mapping[str, str | None], name: str = "proj") -> Project:
    """A project from ``{relative path: text}`` (dedented). dbt_project.yml and profiles.yml
    default to a minimal DuckDB project; a ``None`` text leaves that file out."""
    root = tmp / name
    root.mkdir(parents=True, exist_ok=True)
    contents: dict[str, str | None] = {
        "dbt_project.yml": DEFAULT_PROJECT_YML,
        "profiles.yml": DEFAULT_PROFILES_YML,
        **files,
    }
    for rel, text in contents.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    db = tmp / "warehouse.duckdb"
    return Project(root, db, _base_env(tmp, db))


@pytest.fixture
def article(tmp_path: Path) -> Project:
    """A fresh copy of the example project with an empty (not yet created) warehouse."""
    return copy_example(tmp_path)


@pytest.fixture
def seeded(article: Project) -> Project:
    """The example project after ``dagwright seed``."""
    article.ok("seed")
    return article


@pytest.fixture
def make_project(tmp_path: Path) -> Iterator[Any]:
    """``make_project({"models/a.sql": "select 1 as x"})`` -> Project."""
    count = 0

    def make(files: Mapping[str, str | None]) -> Project:
        nonlocal count
        count += 1
        return write_project(tmp_path / f"p{count}", files)

    yield make


# -- where the suite's time goes: seconds per test file, for keeping CI well under its limit --
_SECONDS_BY_FILE: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    path = report.nodeid.split("::", 1)[0]
    _SECONDS_BY_FILE[path] = _SECONDS_BY_FILE.get(path, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if len(_SECONDS_BY_FILE) < 10:  # a few files run by hand: pytest's own durations suffice
        return
    by_folder: dict[str, float] = {}
    for path, seconds in _SECONDS_BY_FILE.items():
        folder = path.rsplit("/", 1)[0] if path.count("/") > 1 else path.split("/", 1)[0]
        by_folder[folder] = by_folder.get(folder, 0.0) + seconds
    terminalreporter.section("seconds per folder and slowest files")
    for folder, seconds in sorted(by_folder.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{seconds:8.1f}s  {folder}/")
    for path, seconds in sorted(_SECONDS_BY_FILE.items(), key=lambda item: -item[1])[:30]:
        terminalreporter.write_line(f"{seconds:8.1f}s  {path}")
