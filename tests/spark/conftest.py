"""Fixtures for the Spark tests: one real Spark per test session, one schema per test.

- ``spark``: one ``local[2]`` SparkSession for the whole test session, with a fresh
  warehouse directory and the in-memory catalog. dagwright's ``method: session`` reuses a
  session that is already active in the process, so projects run **in-process** against it
  (``SparkProject.run``: the CLI through click's runner), without a JVM start per run.
- ``spark_connect_url``: Spark Connect served by that same session's JVM (started once);
  its ``sc://127.0.0.1:PORT`` URL is for dagwright subprocesses (a process with a classic
  session cannot also hold a Connect client: SESSION_ALREADY_EXIST).

Without PySpark or Java the Spark tests are skipped, with the reason; in CI (``CI=true``)
or with ``DAGWRIGHT_SPARK_REQUIRED=1`` that is an error instead.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REQUIRED_ENV = "DAGWRIGHT_SPARK_REQUIRED"

_schemas = itertools.count(1)


def _required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get(REQUIRED_ENV, "") not in ("", "0")


def _unavailable() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install -e '.[spark]'"
    java_home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (java_home and Path(java_home, "bin", "java").exists()):
        return "no Java runtime (java on PATH or JAVA_HOME): apt-get install openjdk-17-jre-headless"
    return None


def require_spark() -> None:
    why = _unavailable()
    if why is None:
        return
    if _required():
        pytest.fail(f"{why} (required: CI=true or {REQUIRED_ENV}=1)", pytrace=False)
    pytest.skip(why)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark-warehouse")


@pytest.fixture(scope="session")
def spark(spark_warehouse: Path) -> Iterator[Any]:
    """The one classic SparkSession of the test session (``local[2]``, in-memory catalog)."""
    require_spark()
    from pyspark.sql import SparkSession

    from dagwright.adapters.spark import log4j_file, quiet_python_loggers

    quiet_python_loggers()
    session = (
        SparkSession.builder.master("local[2]")
        .appName("dagwright-tests")
        .config("spark.sql.warehouse.dir", str(spark_warehouse))
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j_file('error')}")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def spark_connect_url(request: pytest.FixtureRequest) -> str:
    """Spark Connect served by the shared session's JVM (harness.serve_connect): the
    ``sc://127.0.0.1:PORT`` URL for dagwright subprocesses, no second JVM."""
    return str(request.getfixturevalue("spark_server").connect_url)


# --------------------------------------------------------------------------- projects


PROJECT_YML = """\
name: sparkproj
version: "1.0.0"
config-version: 2
profile: sparkproj
"""


@dataclass
class CliResult:
    code: int
    output: str
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"exit {self.code} for {' '.join(self.args)}\n{self.output}"


@dataclass
class SparkProject:
    """A dbt project in a tmp dir whose profile builds into its own schema of the shared
    session (``method: session``), or of a Connect server (``method: connect``)."""

    root: Path
    schema: str
    spark: Any = None
    connect_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def write(self, files: Mapping[str, str]) -> None:
        for rel, text in files.items():
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))

    def run(self, *args: str) -> CliResult:
        """``dagwright ARGS`` in this process (against the shared session)."""
        from click.testing import CliRunner

        from dagwright.cli import expand_multi_value, main

        full = [*args, "--project-dir", str(self.root), "--profiles-dir", str(self.root)]
        result = CliRunner().invoke(main, expand_multi_value(full), catch_exceptions=False)
        return CliResult(result.exit_code, result.output, tuple(args))

    def run_subprocess(self, *args: str, timeout: float = 180) -> CliResult:
        """``dagwright ARGS`` in a subprocess (for ``method: connect``)."""
        cmd = [sys.executable, "-m", "dagwright.cli", *args, "--project-dir", str(self.root)]
        cmd += ["--profiles-dir", str(self.root)]
        env = {**os.environ, **self.env}
        proc = subprocess.run(cmd, cwd=self.root, env=env, capture_output=True, text=True, timeout=timeout)
        return CliResult(proc.returncode, proc.stdout + proc.stderr, tuple(args))

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        # a fresh session per read: a session caches the file listing of tables it has read,
        # and dagwright (in a session of its own) replaces their files
        return [tuple(r) for r in self.spark.newSession().sql(sql).collect()]

    def table(self, name: str, order_by: str = "1") -> list[tuple[Any, ...]]:
        return self.rows(f"select * from `{self.schema}`.`{name}` order by {order_by}")

    def kind(self, name: str) -> str | None:
        """'table', 'view' or None, from the catalog."""
        try:
            table = self.spark.catalog.getTable(f"`{self.schema}`.`{name}`")
        except Exception:
            return None
        return "view" if table.tableType == "VIEW" else "table"

    def relations(self) -> set[str]:
        return {str(r[1]) for r in self.spark.sql(f"show tables in `{self.schema}`").collect() if not r[2]}

    def run_results(self) -> dict[str, Any]:
        return json.loads((self.root / "target" / "run_results.json").read_text())

    def statuses(self) -> dict[str, str]:
        return {r["unique_id"].split(".")[-1]: r["status"] for r in self.run_results()["results"]}


def _profile(schema: str, extra: Mapping[str, Any]) -> str:
    lines = ["sparkproj:", "  target: dev", "  outputs:", "    dev:", "      type: spark", f"      schema: {schema}"]
    for key, value in extra.items():
        lines.append(f"      {key}: {json.dumps(value)}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def spark_project(spark: Any, tmp_path: Path) -> SparkProject:
    """An empty project on the shared session, in a schema of its own."""
    schema = f"t{next(_schemas)}_{os.getpid()}"
    project = SparkProject(tmp_path / "proj", schema, spark=spark)
    project.write(
        {
            "dbt_project.yml": PROJECT_YML,
            "profiles.yml": _profile(schema, {"method": "session", "threads": 2}),
        }
    )
    return project


@pytest.fixture
def connect_project(spark_connect_url: str, tmp_path: Path) -> Iterator[SparkProject]:
    """An empty project on the Connect server (run it with ``run_subprocess``); ``spark``
    is a Connect client session, for reading the results back, in a subprocess-free way
    it cannot be (see the module doc): ``rows`` runs a small client in a subprocess."""
    schema = f"c{next(_schemas)}_{os.getpid()}"
    project = SparkProject(tmp_path / "proj", schema, connect_url=spark_connect_url)
    project.write(
        {
            "dbt_project.yml": PROJECT_YML,
            "profiles.yml": _profile(schema, {"method": "connect", "host": spark_connect_url, "threads": 2}),
        }
    )
    yield project


def connect_query(url: str, sql: str) -> list[list[Any]]:
    """Rows of a query over Spark Connect, from a subprocess (see the module doc)."""
    code = textwrap.dedent(
        """
        import json, sys
        from pyspark.sql import SparkSession
        spark = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
        rows = [list(r) for r in spark.sql(sys.argv[2]).collect()]
        print(json.dumps(rows, default=str))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, url, sql], capture_output=True, text=True, timeout=120, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"query over Connect failed: {sql}\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def wait_for(predicate: Any, timeout: float = 30.0, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# the shared session also serving Spark Connect, for the stop and compat tests (harness.py)
from .harness import spark_server  # noqa: E402, F401
