"""The Jinja ``adapter`` object on BigQuery, against dbt-bigquery (the oracle): one project whose
model calls each method (get_relation, get_columns_in_relation, get_column_schema_from_query,
check_schema_exists, list_schemas, list_relations_without_caching, create_schema,
drop_schema, api.Column) and writes what it got as rows, run by both tools, each in a dataset
of its own; the rows must be the same (the datasets' names read as ``DS``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bq_helpers import BQProject, new_project
from .conftest import run_dbt_bigquery

FILES = {
    "models/base.sql": """
        select 1 as id, 'a' as name, 1.5 as ratio, cast(2.25 as numeric) as amount, true as flag,
               date '2024-01-02' as day, struct(1 as x, 'y' as y) as rec, [1, 2] as nums
    """,
    "models/base_view.sql": "{{ config(materialized='view') }} select id from {{ ref('base') }}",
    "macros/describe.sql": """
        {% macro describe_columns(columns) -%}
          {%- set out = [] -%}
          {%- for c in columns -%}
            {%- do out.append(c.name ~ ':' ~ c.dtype ~ ':' ~ c.data_type ~ ':' ~ c.mode ~ ':'
                 ~ c.is_string() ~ c.is_numeric() ~ c.is_integer() ~ c.is_float() ~ ':' ~ (c.fields | length)) -%}
          {%- endfor -%}
          {{- return(out | join(' | ')) -}}
        {%- endmacro %}
    """,
    "models/probe.sql": """
        -- depends_on: {{ ref('base_view') }}
        {%- set facts = [] -%}
        {%- if execute -%}
          {%- set db = target.database -%}
          {%- set found = adapter.get_relation(db, target.schema, 'base') -%}
          {%- do facts.append(('get_relation', found.identifier ~ ' ' ~ found.type ~ ' ' ~ (found | string))) -%}
          {%- set view = adapter.get_relation(db, target.schema, 'base_view') -%}
          {%- do facts.append(('get_relation view', view.type)) -%}
          {%- do facts.append(('get_relation missing', adapter.get_relation(db, target.schema, 'nope') | string)) -%}
          {%- do facts.append(('columns', describe_columns(adapter.get_columns_in_relation(found)))) -%}
          {%- set gone = api.Relation.create(database=db, schema=target.schema, identifier='nope') -%}
          {%- do facts.append(('columns missing', adapter.get_columns_in_relation(gone) | length)) -%}
          {%- set q = "select 1 as i, 'x' as s, struct(2 as a, 'b' as b) as r" -%}
          {%- do facts.append(('query columns', describe_columns(adapter.get_column_schema_from_query(q)))) -%}
          {%- do facts.append(('schema exists', adapter.check_schema_exists(db, target.schema))) -%}
          {%- do facts.append(('schema missing', adapter.check_schema_exists(db, target.schema ~ '_none'))) -%}
          {%- do facts.append(('list_schemas', target.schema in adapter.list_schemas(db))) -%}
          {%- set listed = adapter.list_relations_without_caching(found.without_identifier()) -%}
          {%- set names = [] -%}
          {%- for r in listed | sort(attribute='identifier') -%}
            {%- do names.append(r.identifier ~ ':' ~ r.type ~ ':' ~ (r.database == db)) -%}
          {%- endfor -%}
          {%- do facts.append(('list_relations', names | join(' '))) -%}
          {%- set extra = api.Relation.create(database=db, schema=target.schema ~ '_extra') -%}
          {%- do adapter.create_schema(extra) -%}
          {%- do facts.append(('created', adapter.check_schema_exists(db, target.schema ~ '_extra'))) -%}
          {%- do adapter.drop_schema(extra) -%}
          {%- do facts.append(('dropped', adapter.check_schema_exists(db, target.schema ~ '_extra'))) -%}
          {%- set col = api.Column.create('n', 'INTEGER') -%}
          {%- set shown = [col.dtype, col.data_type, col.quoted, col.literal(3)] | join(' ') -%}
          {%- do facts.append(('api.Column', shown)) -%}
        {%- endif -%}
        {%- for key, value in facts %}
        {{ 'union all ' if not loop.first }}select '{{ key }}' as fact,
          '''{{ (value | string) | replace(target.schema, 'DS') | replace(target.database, 'PROJECT') }}''' as value
        {%- endfor %}
        {%- if not facts %} select 'none' as fact, 'none' as value {%- endif %}
    """,
}


def _facts(project: BQProject) -> dict[str, Any]:
    rows = project.rows(f"select fact, value from `{project.emulator.project}`.`{project.dataset}`.probe")
    return dict(rows)


def test_adapter_methods_answer_as_dbt_bigquery(tmp_path: Path, bq_emulator: Any, bq_oracle: Path) -> None:
    ours = new_project(tmp_path / "dagwright", bq_emulator, name="probe_project")
    theirs = new_project(tmp_path / "dbt", bq_emulator, name="probe_project")
    for project in (ours, theirs):
        project.write(FILES)
    dbt = run_dbt_bigquery(bq_oracle, theirs.root, theirs.root, "run")
    assert dbt.returncode == 0, dbt.stdout + dbt.stderr
    run = ours.run("run")
    assert run.returncode == 0, run.stdout + run.stderr
    expected, actual = _facts(theirs), _facts(ours)
    assert actual == expected
    # what dbt-bigquery answers, spelled out (so a change of the oracle shows here too)
    assert expected["get_relation missing"] == "None"
    assert expected["columns missing"] == "0"
    assert expected["schema exists"] == "True" and expected["schema missing"] == "False"
    assert expected["created"] == "True" and expected["dropped"] == "False"
    assert "base_view:view:True" in expected["list_relations"]


OPERATIONS = {
    "macros/ops.sql": """
        {% macro rel(name, kind) %}
          {{ return(api.Relation.create(database=target.database, schema=target.schema, identifier=name, type=kind)) }}
        {% endmacro %}
        {% macro make() %}
          {% do adapter.create_schema(rel('', 'table')) %}
          {% do run_query('create or replace table ' ~ rel('t', 'table') ~ ' as select 1 as id') %}
          {% do run_query('create or replace view ' ~ rel('v', 'view') ~ ' as select 1 as id') %}
          {% do run_query('create or replace table ' ~ rel('kept', 'table') ~ ' as select 1 as id') %}
        {% endmacro %}
        {% macro drop_both() %}
          {% do adapter.drop_relation(rel('t', 'table')) %}
          {% do adapter.drop_relation(rel('v', 'view')) %}
          {% do adapter.drop_relation(rel('never_made', 'table')) %}
        {% endmacro %}
        {% macro truncate_kept() %}
          {% do adapter.truncate_relation(rel('kept', 'table')) %}
        {% endmacro %}
    """,
}


def test_drop_relation_and_truncate_relation_as_dbt_bigquery(tmp_path: Path, bq_emulator: Any) -> None:
    """drop_relation drops a table or a view (BigQuery's DROP has no CASCADE); truncate_relation
    fails as dbt-bigquery's does (it has none), leaving the rows."""
    project = new_project(tmp_path, bq_emulator)
    project.write(OPERATIONS)
    for macro in ("make", "drop_both"):
        result = project.run("run-operation", macro)
        assert result.returncode == 0, result.stdout + result.stderr
    assert project.table_names() == {"kept"}
    result = project.run("run-operation", "truncate_kept")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "`truncate` is not implemented for this adapter!" in result.stdout + result.stderr
    assert project.rows(f"select id from `{bq_emulator.project}`.`{project.dataset}`.`kept`") == [(1,)]
