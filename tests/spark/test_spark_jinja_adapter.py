"""The Jinja ``adapter`` on a real Spark (no information_schema): relations from the catalog,
columns from DESCRIBE, a query's columns from DESCRIBE QUERY."""

from __future__ import annotations

from .conftest import SparkProject

INTROSPECTION = """
{{ config(materialized='table') }}
{%- set found = adapter.get_relation(database=none, schema=this.schema, identifier='base') -%}
{%- set missing = adapter.get_relation(database=none, schema=this.schema, identifier='nope') -%}
{%- set cols = adapter.get_columns_in_relation(ref('base')) -%}
{%- set no_cols = adapter.get_columns_in_relation(api.Relation.create(schema=this.schema, identifier='nope')) -%}
{%- set query_cols = adapter.get_column_schema_from_query('select 1 as a, cast(2.5 as double) as b') -%}
select
    '{{ found.type if found else "none" }}' as found,
    '{{ missing is none }}' as missing,
    '{% for c in cols %}{{ c.name }}:{{ c.dtype }};{% endfor %}' as cols,
    {{ no_cols | length }} as no_cols,
    '{% for c in query_cols %}{{ c.name }}:{{ c.dtype }};{% endfor %}' as query_cols
"""


def test_relations_and_columns_in_templates(spark_project: SparkProject) -> None:
    spark_project.write(
        {
            "models/base.sql": "{{ config(materialized='table') }}\nselect 1 as id, 'x' as label",
            "models/introspection.sql": INTROSPECTION,
        }
    )
    result = spark_project.run("run")
    assert result.code == 0, result
    assert spark_project.table("introspection") == [("table", "True", "id:int;label:string;", 0, "a:int;b:double;")]


SCHEMAS = """
{{ config(materialized='table') }}
{%- set listed = adapter.list_relations_without_caching(api.Relation.create(schema=this.schema)) -%}
{%- set names = listed | map(attribute='identifier') | map('lower') | sort -%}
{%- set kinds = listed | map(attribute='type') | list -%}
select
    '{{ adapter.check_schema_exists(none, this.schema) }}' as has_schema,
    '{{ adapter.check_schema_exists(none, "no_such_schema_here") }}' as has_missing,
    '{{ this.schema in adapter.list_schemas(none) }}' as listed_schema,
    '{{ names | join(",") }}' as names,
    '{{ "view" in kinds and "table" in kinds }}' as both_kinds,
    {%- set nowhere = api.Relation.create(schema="no_such_schema_here") %}
    {{ adapter.list_relations_without_caching(nowhere) | length }} as none_missing
"""


def test_schemas_and_relations_in_templates(spark_project: SparkProject) -> None:
    """No information_schema on Spark: schemas from ``show databases``, relations from the catalog."""
    spark_project.write(
        {
            "models/base.sql": "{{ config(materialized='table') }}\nselect 1 as id",
            "models/base_view.sql": "{{ config(materialized='view') }}\nselect * from {{ ref('base') }}",
            "models/schemas.sql": "-- depends_on: {{ ref('base_view') }}\n" + SCHEMAS,
        }
    )
    result = spark_project.run("run")
    assert result.code == 0, result
    assert spark_project.table("schemas") == [("True", "False", "True", "base,base_view", "True", 0)]
