"""Enforced contracts and constraints on Spark, against dbt-spark (the oracle) on the same Spark.

Both tools build one project twice into schemas of their own (dbt-spark's session method as a
Connect client, dagwright over Connect) on parquet, the local default:

- the contract's columns are compared by name and Spark's type names (``int``,
  ``decimal(10,2)``, ``array<int>``, ``struct<a:int>``; ``integer`` in the YAML is ``int``),
  and the table is created from the query with the YAML's column order;
- constraints as dbt-spark's ``persist_constraints`` applies them: a model whose config names
  no ``file_format`` is taken as delta, so its ``check`` (model level) and ``not_null``
  (column) constraints are sent as ``alter table`` statements, which Spark refuses on a
  parquet table (the model fails); other column constraints are warned about; with
  ``file_format: parquet`` nothing is sent;
- a contract that does not match fails the model with dbt's table of differences.

Where dagwright does better, the test says so: a model that fails (a contract mismatch, a
refused constraint) leaves the previous relation as it was, where dbt-spark has dropped it (or
replaced it) by then (so dbt-spark's next run of an incremental model whose constraints failed
finds a table and succeeds, where dagwright's builds it anew and fails again); a table's column
comments (``persist_docs: {columns: true}``) are set on parquet too, where dbt-spark sets them
only on delta, hudi and iceberg (a view's are in its DDL with both tools).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from .harness import SparkServer, drop_schemas, run_tool, write_twin_project
from .test_spark_compat import BIN_DIR, oracle

pytestmark = [pytest.mark.spark, pytest.mark.compat]

SCHEMA_YML = """
version: 2
models:
  - name: typed
    description: typed table
    config:
      contract: {enforced: true}
      file_format: parquet
      persist_docs: {relation: true, columns: true}
    columns:
      - {name: id, data_type: integer, description: "the 'id'", constraints: [{type: not_null}]}
      - {name: name, data_type: string, constraints: [{type: unique}]}
      - {name: amount, data_type: "decimal(10,2)"}
      - {name: d, data_type: date}
      - {name: arr, data_type: "array<int>"}
      - {name: st, data_type: "struct<a:int>"}
  - name: warned
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: int, constraints: [{type: unique}, {type: primary_key}]}
      - {name: name, data_type: string, constraints: [{type: check, expression: "name != ''"}]}
  - name: refused
    config: {contract: {enforced: true}}
    constraints:
      - {type: primary_key, columns: [id]}
      - {type: check, expression: "id > 0"}
    columns:
      - {name: id, data_type: int}
  - name: incr
    config: {contract: {enforced: true}, on_schema_change: fail}
    columns:
      - {name: id, data_type: int, constraints: [{type: not_null}]}
  - name: mismatch
    config: {contract: {enforced: true}}
    columns:
      - {name: id, data_type: int}
      - {name: name, data_type: string}
  - name: checked_view
    config: {contract: {enforced: true}, persist_docs: {columns: true}}
    columns:
      - {name: id, data_type: int, description: "the view's id", constraints: [{type: not_null}]}
"""

FILES = {
    "dbt_project.yml": "name: proj\nversion: '1.0'\nconfig-version: 2\nprofile: proj\n",
    "models/schema.yml": SCHEMA_YML,
    "models/typed.sql": "{{ config(materialized='table') }}\n"
    "select 'a' as name, 1 as id, cast(1.5 as decimal(10,2)) as amount, date'2024-01-02' as d, "
    "array(1, 2) as arr, named_struct('a', 1) as st",
    "models/warned.sql": "{{ config(materialized='table') }}\nselect 1 as id, 'a' as name",
    "models/refused.sql": "{{ config(materialized='table') }}\nselect 1 as id",
    "models/incr.sql": "{{ config(materialized='incremental') }}\nselect 1 as id",
    "models/mismatch.sql": "{{ config(materialized='table') }}\nselect {{ var('id_value') }} as id, 'a' as name",
    "models/checked_view.sql": "{{ config(materialized='view') }}\nselect {{ var('id_value') }} as id",
}

#: the second run's mismatch, as both tools print dbt's table of differences
MISMATCH_ROW = "| id          | string          | int           | data type mismatch |"


def _results(root: Path) -> dict[str, tuple[str, str]]:
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: (r["status"], r["message"] or "") for r in results}


def _relations(server: SparkServer, schema: str) -> dict[str, list[tuple[str, str, str]]]:
    """Each relation's columns: (name, type, comment), as DESCRIBE TABLE gives them."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for _ns, name, temporary in server.sql(f"show tables in `{schema}`"):
        if temporary:
            continue
        columns = []
        for col_name, col_type, comment in server.sql(f"describe table `{schema}`.`{name}`"):
            if not str(col_name or "").strip() or str(col_name).startswith("#"):
                break
            columns.append((str(col_name), str(col_type), str(comment or "")))
        out[str(name)] = columns
    return out


def _tool_run(tool: str, executable: str, root: Path, server: SparkServer, schema: str) -> list[dict[str, Any]]:
    env = write_twin_project(tool, root, server, schema, FILES)
    steps = []
    for value in ("1", "\"'x'\""):
        code, output = run_tool(executable, root, env, "run", "--vars", f"{{id_value: {value}}}")
        relations = _relations(server, schema)
        rows = server.sql(f"select * from `{schema}`.`mismatch`") if "mismatch" in relations else None
        steps.append({"code": code, "output": output, "results": _results(root), "relations": relations, "rows": rows})
    return steps


def _statuses(step: dict[str, Any]) -> dict[str, str]:
    return {name: status for name, (status, _message) in step["results"].items()}


def _schemas(step: dict[str, Any], *, comments: bool = False) -> dict[str, list[tuple[str, ...]]]:
    return {name: [c if comments else c[:2] for c in columns] for name, columns in step["relations"].items()}


def test_contracts_and_constraints_as_dbt_spark(tmp_path: Path, spark_server: SparkServer) -> None:
    tools = {"dbt": oracle(), "dagwright": shutil.which("dagwright", path=str(BIN_DIR))}
    schemas = {"dbt": "dbt_contracts", "dagwright": "dw_contracts"}
    drop_schemas(spark_server, list(schemas.values()))
    steps: dict[str, list[dict[str, Any]]] = {}
    try:
        for tool, executable in tools.items():
            assert executable
            steps[tool] = _tool_run(tool, executable, tmp_path / tool, spark_server, schemas[tool])
    finally:
        drop_schemas(spark_server, list(schemas.values()))
    dbt, dw = steps["dbt"], steps["dagwright"]

    # first run: the contracts hold; the constraints dbt-spark sends on a model with no
    # file_format are refused by Spark on parquet
    first = {"typed": "success", "warned": "success", "refused": "error", "incr": "error"}
    first |= {"mismatch": "success", "checked_view": "success"}
    for step in (dbt[0], dw[0]):
        assert step["code"] == 1, step["output"][-3000:]
        assert _statuses(step) == first
        assert "does not support ADD CONSTRAINT" in step["results"]["refused"][1]
        assert "does not support ALTER COLUMN ... SET NOT NULL" in step["results"]["incr"][1]
        # warned: its three column constraints that are not not_null
        assert step["output"].count("Invalid constraint for column") == 3, step["output"][-3000:]
        # dbt-core's parse-time warning about the view's constraint; none about the tables'
        assert "Constraint types are not supported for view" in step["output"]
        assert "not enforced" not in step["output"] and "not supported on" not in step["output"]
    # the same tables, columns and types (the YAML's order); dbt-spark leaves the tables whose
    # constraints Spark refused (it built them under their own names first), dagwright does not
    assert set(_schemas(dbt[0])) - set(_schemas(dw[0])) == {"refused", "incr"}
    assert _schemas(dw[0]) == {k: v for k, v in _schemas(dbt[0]).items() if k not in ("refused", "incr")}
    assert _schemas(dw[0])["typed"] == [
        ("id", "int"),
        ("name", "string"),
        ("amount", "decimal(10,2)"),
        ("d", "date"),
        ("arr", "array<int>"),
        ("st", "struct<a:int>"),
    ]
    # persist_docs columns: dagwright comments a parquet table's columns, dbt-spark does not;
    # both write a view's into its DDL
    assert _schemas(dw[0], comments=True)["typed"][0] == ("id", "int", "the 'id'")
    assert _schemas(dbt[0], comments=True)["typed"][0] == ("id", "int", "")
    view_columns = [("id", "int", "the view's id")]
    assert _schemas(dw[0], comments=True)["checked_view"] == _schemas(dbt[0], comments=True)["checked_view"]
    assert _schemas(dw[0], comments=True)["checked_view"] == view_columns

    # second run: both contracts fail with dbt's table of differences
    for step in (dbt[1], dw[1]):
        assert step["code"] == 1, step["output"][-3000:]
        statuses = _statuses(step)
        assert statuses["mismatch"] == statuses["checked_view"] == "error"
        for name in ("mismatch", "checked_view"):
            message = step["results"][name][1]
            assert "This model has an enforced contract that failed." in message
            assert MISMATCH_ROW in message
    # incr: dbt-spark's second run is an incremental run on the table it left behind (no
    # constraints then: success); dagwright published nothing, so it builds it anew and Spark
    # refuses its not_null again
    assert _statuses(dbt[1])["incr"] == "success"
    assert _statuses(dw[1])["incr"] == "error"
    assert {k: v for k, v in _statuses(dw[1]).items() if k != "incr"} == {
        k: v for k, v in _statuses(dbt[1]).items() if k != "incr"
    }
    # dbt-spark dropped the table before it checked the contract; dagwright kept it
    assert "mismatch" not in _schemas(dbt[1])
    assert _schemas(dw[1])["mismatch"] == [("id", "int"), ("name", "string")]
    assert dw[1]["rows"] == [(1, "a")]
    assert _schemas(dw[1])["checked_view"] == _schemas(dbt[1])["checked_view"] == [("id", "int")]


@pytest.mark.parametrize("file_format", ["delta", "parquet"])
def test_which_models_get_constraints(file_format: str) -> None:
    """dbt-spark's choice, without Spark: the model's file_format, a model naming none taken
    as delta (dagwright: the profile's file_format first, where it names one)."""
    from dagwright.adapters.spark_sql import SparkSQL

    sql = SparkSQL()
    assert sql.persists_constraints({}) is True
    assert sql.persists_constraints({"file_format": file_format}) is (file_format == "delta")
    sql.profile_file_format = file_format
    assert sql.persists_constraints({}) is (file_format == "delta")
