{% macro create_numbers(n, table_name) %}
    {# run-operation makes no dataset (DuckDB's main always exists) #}
    {% do adapter.create_schema(api.Relation.create(database=target.database, schema=target.schema)) %}
    {% do run_query("create or replace table " ~ target.schema ~ "." ~ table_name ~ " as select i from unnest(generate_array(0, " ~ (n - 1) ~ ")) as i") %}
    {% set total = run_query("select sum(i) from " ~ target.schema ~ "." ~ table_name).columns[0].values()[0] %}
    {{ log("created " ~ table_name ~ " with total " ~ total, info=True) }}
{% endmacro %}

{% macro transactions() %}
    {# run_query commits on its own #}
    {% do run_query("create table " ~ target.schema ~ ".autocommitted as select 1 as x") %}
    {# a statement block opens a transaction; adapter.commit() commits it #}
    {% call statement('kept') %}create table {{ target.schema }}.committed as select 2 as x{% endcall %}
    {% do adapter.commit() %}
    {# this one is never committed: dbt-duckdb rolls it back when the operation ends; BigQuery has no transaction here: it stays #}
    {% call statement('lost') %}create table {{ target.schema }}.rolled_back as select 3 as x{% endcall %}
    {% do run_query("create table " ~ target.schema ~ ".also_rolled_back as select 4 as x") %}
{% endmacro %}

{% macro fails_after_a_query() %}
    {% do run_query("create table " ~ target.schema ~ ".before_failure as select 1 as x") %}
    {{ exceptions.raise_compiler_error("this operation fails on purpose") }}
{% endmacro %}
