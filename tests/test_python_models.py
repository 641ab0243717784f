"""Python models (``models/*.py``, ``def model(dbt, session)``) on DuckDB, as dbt-duckdb runs them.

The compat case tests/compat/projects/python_models compares tables, rows and statuses with
dbt itself; here: the manifest fields and compiled code, the return types, incremental
builds, a model that raises, and the honest stop (fail-fast, cancel) around Python code.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import dagwright.api
from conftest import Project, write_project
from oracle import Twins, needs_dbt
from stop_helpers import outcome

BASE = {"models/base.sql": "select * from (values (1, 10), (2, 20), (3, 30)) as t(id, amount)\n"}

TABLE_MODEL = """\
def model(dbt, session):
    dbt.config(materialized="table", tags=["py"])
    return dbt.ref("base").filter("amount > 10")
"""

PANDAS_MODEL = """\
def model(dbt, session):
    df = dbt.ref("py_table").df()
    df["mode"] = dbt.config.get("mode", "none")
    df["owner"] = dbt.config.meta_get("owner", "nobody")
    df["me"] = str(dbt.this)
    df["inc"] = dbt.is_incremental
    return df
"""

PROPERTIES = """\
version: 2
models:
  - name: py_pandas
    config: {mode: yaml, meta: {owner: data}}
"""


def _python_project(tmp_path: Path, extra: dict[str, str] | None = None) -> Project:
    files = {**BASE, "models/py_table.py": TABLE_MODEL, "models/py_pandas.py": PANDAS_MODEL}
    files["models/props.yml"] = PROPERTIES
    return write_project(tmp_path, {**files, **(extra or {})})


def _results(project: Project) -> dict[str, dict]:
    data = json.loads((project.target / "run_results.json").read_text())
    return {r["unique_id"].split(".")[-1]: r for r in data["results"]}


def test_tables_from_a_relation_and_a_dataframe(tmp_path: Path) -> None:
    project = _python_project(tmp_path)
    result = project.ok("run")
    assert "python table model main.py_table" in result.stdout, str(result)
    assert project.query("select id, amount from main.py_table order by id") == [(2, 20), (3, 30)]
    rows = project.query("select id, mode, owner, me, inc from main.py_pandas order by id")
    assert rows[0] == (2, "yaml", "data", f'"{project.db.stem}"."main"."py_pandas"', False)
    assert project.query("select table_type from information_schema.tables where table_name = 'py_table'") == [
        ("BASE TABLE",)
    ]
    # nothing left under a temporary name
    names = {r[0] for r in project.query("select table_name from information_schema.tables")}
    assert names == {"base", "py_table", "py_pandas"}
    compiled = (project.target / "compiled/proj/models/py_pandas.py").read_text()
    assert compiled.startswith(PANDAS_MODEL.strip())
    assert "class dbtObj" in compiled and '"main"."py_table"' in compiled
    assert _results(project)["py_pandas"]["adapter_response"] == {"_message": "OK"}


def test_pyarrow_return_and_unsupported_type(tmp_path: Path) -> None:
    arrow = "import pyarrow as pa\n\n\ndef model(dbt, session):\n    return pa.table({'x': [1, 2]})\n"
    wrong = "def model(dbt, session):\n    return [1, 2]\n"
    project = write_project(tmp_path, {"models/arrow.py": arrow, "models/wrong.py": wrong})
    result = project.run("run")
    assert result.code == 1, str(result)
    assert project.query("select x from main.arrow order by x") == [(1,), (2,)]
    message = _results(project)["wrong"]["message"]
    assert "Python model returned list" in message and "pandas" in message, message


def test_polars_return(tmp_path: Path) -> None:
    pytest.importorskip("polars")
    code = "import polars as pl\n\n\ndef model(dbt, session):\n    return pl.DataFrame({'x': [1, 2]})\n"
    project = write_project(tmp_path, {"models/pol.py": code})
    project.ok("run")
    assert project.query("select x from main.pol order by x") == [(1,), (2,)]


def test_incremental_merges_with_is_incremental(tmp_path: Path) -> None:
    code = """\
def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="id")
    if dbt.is_incremental:
        top = session.execute(f"select max(id) from {dbt.this}").fetchall()[0][0]
        return session.sql(f"select {top} as id, 'updated' as note union all select {top} + 1, 'new'")
    return session.sql("select 1 as id, 'first' as note")
"""
    project = write_project(tmp_path, {"models/inc.py": code})
    project.ok("run")
    project.ok("run")
    assert project.query("select id, note from main.inc order by id") == [(1, "updated"), (2, "new")]
    compiled = (project.target / "compiled/proj/models/inc.py").read_text()
    assert "self.is_incremental = True" in compiled
    project.ok("run", "--full-refresh")
    assert project.query("select id, note from main.inc") == [(1, "first")]


def test_a_model_that_raises_errors_with_its_traceback(tmp_path: Path) -> None:
    code = "def divide(x):\n    return 1 / x\n\n\ndef model(dbt, session):\n    divide(0)\n    return dbt.ref('base')\n"
    files = {**BASE, "models/boom.py": "def model(dbt, session):\n    return dbt.ref('base')\n"}
    files["models/after.sql"] = "select * from {{ ref('boom') }}"
    project = write_project(tmp_path, files)
    project.ok("run")
    (project.root / "models/boom.py").write_text(code)
    result = project.run("run")
    assert result.code == 1, str(result)
    results = _results(project)
    assert results["boom"]["status"] == "error"
    message = results["boom"]["message"]
    assert message.startswith("Runtime Error in model boom (models/boom.py)\n  Python model failed:"), message
    assert 'File "models/boom.py", line 6, in model' in message and "ZeroDivisionError: division by zero" in message
    assert "dagwright" not in message  # only the model's own frames
    assert results["after"]["status"] == "skipped"
    # the previous table is untouched and nothing is left under a temporary name
    assert project.query("select count(*) from main.boom") == [(3,)]
    assert project.query("select count(*) from information_schema.tables where table_name like '%dbt_tmp%'") == [(0,)]


def test_view_materialization_is_an_error(tmp_path: Path) -> None:
    code = "def model(dbt, session):\n    dbt.config(materialized='view')\n    return session.sql('select 1')\n"
    project = write_project(tmp_path, {"models/v.py": code})
    assert project.run("run").code == 1
    expected = """Materialization "view" only supports languages ['sql']; got "python\""""
    assert expected in _results(project)["v"]["message"]


def test_compile_writes_the_compiled_code(tmp_path: Path) -> None:
    project = _python_project(tmp_path)
    project.ok("compile", "-s", "py_pandas")
    compiled = (project.target / "compiled/proj/models/py_pandas.py").read_text()
    assert "_DBT_CONFIG = {'mode': 'yaml'}" in compiled and "_DBT_META = {'owner': 'data'}" in compiled


@needs_dbt
def test_manifest_fields_as_dbt_writes_them(tmp_path: Path) -> None:
    files = {**BASE, "models/py_table.py": TABLE_MODEL, "models/py_pandas.py": PANDAS_MODEL}
    files["models/props.yml"] = PROPERTIES
    twins = Twins(tmp_path, files)
    twins.both("run")
    fields = ("language", "raw_code", "depends_on", "refs", "checksum", "compiled_path", "tags")
    for name in ("py_table", "py_pandas"):
        theirs = twins.artifact("dbt", "manifest.json")["nodes"][f"model.proj.{name}"]
        ours = twins.artifact("dagwright", "manifest.json")["nodes"][f"model.proj.{name}"]
        for field in fields:
            assert ours[field] == theirs[field], (name, field)
        for key in ("config_keys_used", "config_keys_defaults", "meta_keys_used", "meta_keys_defaults"):
            assert ours["config"].get(key) == theirs["config"].get(key), (name, key)
    assert twins.results("dagwright")["model.proj.py_pandas"]["status"] == "success"


# -- the honest stop around Python code -----------------------------------------------------------

SLOW_QUERY = """\
def model(dbt, session):
    session.execute("select count(*) from range(20000000000) as a")
    return session.sql("select 2 as version")
"""
SLOW_PYTHON = """\
import time


def model(dbt, session):
    deadline = time.monotonic() + {seconds}
    while time.monotonic() < deadline:
        pass
    return session.sql("select 2 as version")
"""
FIRST = "def model(dbt, session):\n    return session.sql('select 1 as version')\n"


def _wait_for(handle: dagwright.api.RunHandle, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in handle.output:
        if time.monotonic() > deadline:
            handle.cancel()
            handle.wait(30)
            pytest.fail(f"{text!r} never appeared:\n{handle.output}")
        time.sleep(0.01)


@pytest.mark.parametrize("body", [SLOW_QUERY, SLOW_PYTHON.format(seconds=1.5)], ids=["duckdb-query", "pure-python"])
def test_cancel_during_a_python_model_publishes_nothing(
    tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = write_project(tmp_path, {"models/slow.py": FIRST, "models/after.sql": "select * from {{ ref('slow') }}"})
    project.ok("run")
    monkeypatch.setenv("DAGWRIGHT_DEMO_DB", str(project.db))  # the profile's path, for the in-process run
    (project.root / "models/slow.py").write_text(body)
    handle = dagwright.api.start("run", project_dir=str(project.root), profiles_dir=str(project.root))
    _wait_for(handle, "START python table model main.slow")
    time.sleep(0.3)
    cancelled_at = time.monotonic()
    handle.cancel()
    handle.wait(timeout=60)
    # a DuckDB query is interrupted at once; pure Python runs until model() returns
    assert time.monotonic() - cancelled_at < (2.0 if "range" in body else 4.0)
    results = _results(project)
    assert outcome(results["slow"]) == "cancelled", results["slow"]
    assert results["slow"]["message"].startswith("cancelled: cancelled by cancel()")
    assert results["after"]["status"] == "skipped"
    assert project.query("select version from main.slow") == [(1,)]  # the previous table
    assert project.query("select count(*) from information_schema.tables where table_name like '%dbt_tmp%'") == [(0,)]


def test_stop_before_a_python_model_starts_skips_it(tmp_path: Path) -> None:
    raises = "def model(dbt, session):\n    raise ValueError('no')\n    return session.sql('select 1')\n"
    files = {"models/boom.py": raises}
    files["models/later.py"] = "def model(dbt, session):\n    return dbt.ref('boom')\n"
    files["models/other.py"] = "def model(dbt, session):\n    return session.sql('select 1 as x')\n"
    project = write_project(tmp_path, files)
    result = project.run("run", "--fail-fast", "--threads", "1")
    assert result.code == 1, str(result)
    results = _results(project)
    assert results["boom"]["status"] == "error" and "ValueError: no" in results["boom"]["message"]
    assert results["later"]["status"] == "skipped"
    assert results["other"]["status"] == "skipped" and results["other"]["message"].startswith("not started")
    assert project.query("select table_name from information_schema.tables") == []


BOOM_LATER = """\
import time


def model(dbt, session):
    time.sleep(0.5)
    raise ValueError("boom")
    return session.sql("select 1")
"""


def test_fail_fast_cancels_a_running_python_model(tmp_path: Path) -> None:
    project = write_project(tmp_path, {"models/boom.py": BOOM_LATER, "models/slow.py": SLOW_QUERY})
    started = time.monotonic()
    result = project.run("run", "--fail-fast", "--threads", "2")
    assert result.code == 1, str(result)
    assert time.monotonic() - started < 30
    results = _results(project)
    assert results["boom"]["status"] == "error"
    assert outcome(results["slow"]) == "cancelled", results["slow"]
    assert project.query("select table_name from information_schema.tables") == []


def test_show_of_a_python_model_says_what_to_do(tmp_path: Path) -> None:
    project = _python_project(tmp_path)
    result = project.run("show", "-s", "py_table")
    assert result.code == 2, str(result)
    assert "'py_table' is a Python model" in result.stderr and "show --inline" in result.stderr


def test_a_unit_test_of_a_python_model_errors_clearly(tmp_path: Path) -> None:
    unit = """\
version: 2
unit_tests:
  - name: t1
    model: py_table
    given:
      - input: ref('base')
        rows: [{id: 1, amount: 20}]
    expect:
      rows: [{id: 1, amount: 20}]
"""
    project = _python_project(tmp_path, {"models/unit.yml": unit})
    result = project.run("build")
    assert result.code == 1, str(result)  # as dbt, whose engine fails to read the Python as SQL
    results = _results(project)
    assert "model 'py_table' is a Python model" in results["t1"]["message"]
    assert results["py_table"]["status"] == "skipped"
