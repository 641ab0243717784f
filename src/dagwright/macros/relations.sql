{#- Relations and the statements that make them: dbt's global macros of these names, as
    packages and project macros call them, written for dagwright on its adapter object. -#}

{#- a temporary relation's name: on DuckDB and PostgreSQL an unqualified temporary table whose
    name ends with the time (PostgreSQL: cut to its 63 characters), elsewhere <name><suffix> -#}
{% macro make_temp_relation(base_relation, suffix="__dbt_tmp") -%}
    {%- if adapter.type() == "spark" -%}  {#- a temporary view, named without a schema (dbt-spark) -#}
        {%- do return(base_relation.incorporate(path={"identifier": base_relation.identifier ~ suffix, "schema": none})) -%}
    {%- endif -%}
    {%- if adapter.type() not in ("duckdb", "postgres") -%}
        {%- do return(base_relation.incorporate(path={"identifier": base_relation.identifier ~ suffix})) -%}
    {%- endif -%}
    {%- set stamped = suffix ~ (py_current_timestring() if adapter.type() == "duckdb" else modules.datetime.datetime.now().strftime("%H%M%S%f")) -%}
    {%- set name = base_relation.identifier ~ stamped -%}
    {%- if adapter.type() == "postgres" and name | length > 63 -%}
        {%- set name = base_relation.identifier[:63 - (stamped | length)] ~ stamped -%}
    {%- endif -%}
    {%- do return(base_relation.incorporate(path={"identifier": name, "schema": none, "database": none})) -%}
{%- endmacro %}

{% macro py_current_timestring() -%}
    {%- do return(modules.datetime.datetime.now().strftime("%Y%m%d%H%M%S%f")) -%}
{%- endmacro %}

{#- beside the relation, under <name><suffix> (PostgreSQL: cut to its 63 characters), as dbt's -#}
{% macro make_intermediate_relation(base_relation, suffix="__dbt_tmp") -%}
    {%- set name = base_relation.identifier ~ suffix -%}
    {%- if adapter.type() == "postgres" and name | length > 63 -%}
        {%- set name = base_relation.identifier[:63 - (suffix | length)] ~ suffix -%}
    {%- endif -%}
    {%- do return(base_relation.incorporate(path={"identifier": name})) -%}
{%- endmacro %}

{#- beside the relation too (PostgreSQL: cut to its 63 characters, as dbt-postgres) -#}
{% macro make_backup_relation(base_relation, backup_relation_type, suffix="__dbt_backup") -%}
    {%- set backup = make_intermediate_relation(base_relation, suffix) -%}
    {%- do return(backup.incorporate(type=backup_relation_type)) -%}
{%- endmacro %}

{#- (whether it existed, the relation): the one in the database, or a new one of that type -#}
{% macro get_or_create_relation(database, schema, identifier, type) -%}
    {%- set found = adapter.get_relation(database=database, schema=schema, identifier=identifier) -%}
    {%- if found is not none -%}
        {%- do return([true, found]) -%}
    {%- endif -%}
    {%- set made = api.Relation.create(database=database, schema=schema, identifier=identifier, type=type) -%}
    {%- do return([false, made]) -%}
{%- endmacro %}

{% macro drop_relation(relation) -%}
    {%- do adapter.drop_relation(relation) -%}
{%- endmacro %}

{% macro truncate_relation(relation) -%}
    {%- do adapter.truncate_relation(relation) -%}
{%- endmacro %}

{% macro rename_relation(from_relation, to_relation) -%}
    {%- do adapter.rename_relation(from_relation, to_relation) -%}
{%- endmacro %}

{% macro list_schemas(database) -%}
    {%- do return(adapter.list_schemas(database)) -%}
{%- endmacro %}

{% macro list_relations_without_caching(schema_relation) -%}
    {%- do return(adapter.list_relations_without_caching(schema_relation)) -%}
{%- endmacro %}

{#- SQL text only (nothing runs): what a materialization would send -#}
{% macro get_create_table_as_sql(temporary, relation, sql) -%}
    {{ create_table_as(temporary, relation, sql) }}
{%- endmacro %}

{#- the engine's own where dagwright has one (Spark's, macros/spark.sql), as dbt dispatches it -#}
{% macro create_table_as(temporary, relation, compiled_code, language="sql") -%}
    {{ return(adapter.dispatch('create_table_as', 'dbt')(temporary, relation, compiled_code, language)) }}
{%- endmacro %}

{% macro default__create_table_as(temporary, relation, compiled_code, language="sql") -%}
    {%- if temporary -%}
        create temporary table {{ relation.include(database=false, schema=false) }} as (
    {%- else -%}
        create table {{ relation }} as (
    {%- endif %}
{{ compiled_code }}
    );
{%- endmacro %}

{% macro get_create_view_as_sql(relation, sql) -%}
    {{ create_view_as(relation, sql) }}
{%- endmacro %}

{% macro create_view_as(relation, sql) -%}
    create view {{ relation }} as (
{{ sql }}
    );
{%- endmacro %}

{% macro get_true_sql() -%}
    {{ return("TRUE") }}
{%- endmacro %}

{% macro get_column_schema_from_query(select_sql, select_sql_header=none) -%}
    {%- do return(adapter.get_column_schema_from_query(select_sql)) -%}
{%- endmacro %}
