"""Foreign keys naming their table with ``to: ref(...)`` / ``source(...)`` and ``to_columns``
(dbt 1.9+), beyond what tests/compat/projects/foreign_keys_to compares: the manifest's refs,
sources and depends_on as dbt's (a ``to`` is a dependency even without a contract), a ``to``
that is neither is a parse error in both, and rebuilding tables foreign keys reference on
DuckDB, as dbt-duckdb does (the referencing tables dropped and restored around the rebuild when
the run rebuilds them after it; else the rebuilt table fails before anything is dropped)."""

from __future__ import annotations

from pathlib import Path

from conftest import write_project
from oracle import Twins, needs_dbt

SCHEMA = """\
version: 2
sources:
  - name: raw
    schema: main
    tables: [{name: keys}]
models:
  - name: parent
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: integer
        constraints: [{type: primary_key}]
  - name: child
    config: {contract: {enforced: true}}
    constraints:
      - type: foreign_key
        columns: [pid]
        to: ref('parent')
        to_columns: [id]
    columns:
      - name: pid
        data_type: integer
  - name: loose
    columns:
      - name: x
        constraints:
          - {type: foreign_key, to: "source('raw', 'keys')", to_columns: [id]}
"""

FILES = {
    "models/parent.sql": "{{ config(materialized='table') }}select 1 as id",
    "models/child.sql": "{{ config(materialized='table') }}select 1 as pid",
    "models/loose.sql": "select 1 as x",
    "models/schema.yml": SCHEMA,
}


@needs_dbt
def test_manifest_dependencies_are_dbts(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    twins.both("parse")
    for uid in ("model.proj.child", "model.proj.loose"):
        theirs = twins.artifact("dbt", "manifest.json")["nodes"][uid]
        ours = twins.artifact("dagwright", "manifest.json")["nodes"][uid]
        for key in ("refs", "sources", "depends_on"):
            assert ours[key] == theirs[key], f"{uid} {key}: dagwright {ours[key]}, dbt {theirs[key]}"


@needs_dbt
def test_a_to_that_is_no_ref_or_source_is_an_error_in_both(tmp_path: Path) -> None:
    files = {**FILES, "models/schema.yml": SCHEMA.replace("to: ref('parent')", "to: parent")}
    twins = Twins(tmp_path, files)
    theirs, ours = twins.both("parse", code=2)
    message = "Invalid 'ref' or 'source' syntax on foreign key constraint 'to' on model child: parent"
    assert message in theirs.stdout, theirs.stdout
    assert message in ours.stderr and "models/schema.yml" in ours.stderr, ours.stderr


def test_built_with_the_references_dbt_duckdb_writes(tmp_path: Path) -> None:
    project = write_project(tmp_path, {k: v for k, v in FILES.items() if k != "models/loose.sql"})
    project.ok("build")
    rows = project.query(
        "select constraint_text from duckdb_constraints() where table_name = 'child' "
        "and constraint_type = 'FOREIGN KEY'"
    )
    assert rows == [("FOREIGN KEY (pid) REFERENCES parent(id)",)]


CHAIN_SCHEMA = """\
version: 2
models:
  - name: parent
    config: {contract: {enforced: true}}
    columns:
      - name: id
        data_type: integer
        constraints: [{type: primary_key}]
  - name: child
    config: {contract: {enforced: true}}
    columns:
      - name: cid
        data_type: integer
        constraints: [{type: primary_key}]
      - name: pid
        data_type: integer
        constraints: [{type: foreign_key, to: ref('parent'), to_columns: [id]}]
  - name: grandchild
    config: {contract: {enforced: true}}
    constraints:
      - type: foreign_key
        columns: [cid]
        to: ref('child')
        to_columns: [cid]
    columns:
      - name: cid
        data_type: integer
"""

#: parent <- child (a column's foreign key) <- grandchild (the model's); ``--vars`` make the
#: parent's rows break its primary key, or the child's query fail
CHAIN = {
    "models/parent.sql": "{{ config(materialized='table') }}select cast(unnest(range(1, 3)) as integer) as id"
    "{% if var('dup', false) %} union all select 1{% endif %}",
    "models/child.sql": "{{ config(materialized='table') }}select id * 10 as cid, id as pid from {{ ref('parent') }}"
    "{% if var('fail_child', false) %} where cast('x' as integer) = 1{% endif %}",
    "models/grandchild.sql": "{{ config(materialized='table') }}select cid from {{ ref('child') }}",
    "models/schema.yml": CHAIN_SCHEMA,
}


def _state(path: Path) -> dict[str, object]:
    """Each table's rows and foreign keys, as the run left them."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as db:
        tables = [r[0] for r in db.execute("select table_name from duckdb_tables() order by 1").fetchall()]
        keys = db.execute(
            "select table_name, constraint_text from duckdb_constraints() "
            "where constraint_type = 'FOREIGN KEY' order by 1, 2"
        ).fetchall()
        rows = {t: db.execute(f'select * from "{t}" order by all').fetchall() for t in tables}
    return {"tables": tables, "foreign_keys": keys, "rows": rows}


def _statuses(twins: Twins, tool: str) -> dict[str, str]:
    return {uid.split(".")[-1]: r["status"] for uid, r in twins.results(tool).items()}


@needs_dbt
def test_rebuilding_referenced_tables_as_dbt_duckdb(tmp_path: Path) -> None:
    # dbt-duckdb drops the tables whose foreign keys reference a rebuilt table (keeping their
    # rows under their names, without constraints) when the run rebuilds them after it
    twins = Twins(tmp_path, CHAIN)
    twins.both("build")
    twins.both("build")
    assert _statuses(twins, "dagwright") == _statuses(twins, "dbt") == dict.fromkeys(CHAIN_NAMES, "success")
    ours, theirs = _state(tmp_path / "dagwright.duckdb"), _state(tmp_path / "dbt.duckdb")
    assert ours == theirs
    assert ours["foreign_keys"] == [
        ("child", "FOREIGN KEY (pid) REFERENCES parent(id)"),
        ("grandchild", "FOREIGN KEY (cid) REFERENCES child(cid)"),
    ]

    # a referencing table this run does not rebuild: the rebuilt one fails before anything is
    # dropped (grandchild not selected: parent fails, child is skipped)
    before = _state(tmp_path / "dagwright.duckdb")
    for select in (("-s", "parent"), ("-s", "parent", "child")):
        twins.both("run", *select, code=1)
        assert _statuses(twins, "dagwright") == _statuses(twins, "dbt")
        assert _statuses(twins, "dagwright")["parent"] == "error"
        assert _state(tmp_path / "dagwright.duckdb") == before == _state(tmp_path / "dbt.duckdb")
    ours_out = twins.dagwright("run", "-s", "parent").stdout
    assert "Cannot replace parent: DuckDB refuses to replace a table that foreign keys reference" in ours_out
    assert "Not rebuilt by this run: grandchild (model grandchild is not selected); child (model child" in ours_out


@needs_dbt
def test_a_failed_rebuild_leaves_what_dbt_duckdb_leaves(tmp_path: Path) -> None:
    twins = Twins(tmp_path, CHAIN)
    twins.both("build")
    built = _state(tmp_path / "dagwright.duckdb")

    # the parent's new rows break its primary key: rolled back, the referencing tables as they were
    twins.both("run", "--vars", "{dup: true}", code=1)
    assert _statuses(twins, "dagwright") == _statuses(twins, "dbt")
    assert _statuses(twins, "dagwright") == {"parent": "error", "child": "skipped", "grandchild": "skipped"}
    assert _state(tmp_path / "dagwright.duckdb") == built == _state(tmp_path / "dbt.duckdb")

    # the child fails after the parent was rebuilt: it keeps its rows, without its foreign
    # key, until a later run rebuilds it (dbt-duckdb's restored copy)
    twins.both("run", "--vars", "{fail_child: true}", code=1)
    assert _statuses(twins, "dagwright") == _statuses(twins, "dbt")
    assert _statuses(twins, "dagwright") == {"parent": "success", "child": "error", "grandchild": "skipped"}
    ours = _state(tmp_path / "dagwright.duckdb")
    assert ours == _state(tmp_path / "dbt.duckdb")
    assert ours["rows"] == built["rows"] and ours["foreign_keys"] == []
    twins.both("build")
    assert _state(tmp_path / "dagwright.duckdb") == built == _state(tmp_path / "dbt.duckdb")


CHAIN_NAMES = ("parent", "child", "grandchild")


def test_an_incremental_referencing_table_is_dropped_only_under_a_full_refresh(tmp_path: Path) -> None:
    # dbt-duckdb's rule: an incremental model would lose its rows, so only a full refresh
    # (which rebuilds it whole) lets the referenced table be replaced
    files = {
        **CHAIN,
        "models/grandchild.sql": CHAIN["models/grandchild.sql"].replace(
            "'table'", "'incremental', on_schema_change='fail'"
        ),
    }
    project = write_project(tmp_path, files)
    project.ok("build")
    result = project.run("build")
    assert result.code == 1, str(result)
    assert "grandchild (model grandchild is an incremental model and would lose its rows; run with --full-refresh)" in (
        result.stdout
    )
    assert project.statuses() == {"parent": "error", "child": "skipped", "grandchild": "skipped"}
    assert project.query("select count(*) from grandchild") == [(2,)]
    project.ok("build", "--full-refresh")
    assert project.statuses() == dict.fromkeys(CHAIN_NAMES, "success")
    assert project.query(
        "select table_name from duckdb_constraints() where constraint_type = 'FOREIGN KEY' order by 1"
    ) == [("child",), ("grandchild",)]
