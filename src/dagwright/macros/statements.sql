{#- dagwright's built-in statement macros, as dbt's Jinja sees them (the ``dbt`` package).
    Every statement goes through adapter.execute, i.e. through the run's guarded connection.
    A project macro of the same name replaces one of these for unqualified calls. -#}

{% macro statement(name=None, fetch_result=False, auto_begin=True, language='sql') -%}
    {%- if execute -%}
        {%- set sql_text = caller() -%}
        {%- if language != 'sql' -%}
            {%- do exceptions.raise_compiler_error("statement: only language 'sql' is supported, got '" ~ language ~ "'") -%}
        {%- endif -%}
        {%- if name == 'main' -%}
            {%- do write(sql_text) -%}
        {%- endif -%}
        {%- set response, table = adapter.execute(sql_text, auto_begin=auto_begin, fetch=fetch_result) -%}
        {%- if name is not none -%}
            {%- do store_result(name, response=response, agate_table=table) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro noop_statement(name=None, message=None, code=None, rows_affected=None, res=None) -%}
    {%- set sql_text = caller() -%}
    {%- if name is not none -%}
        {%- do store_raw_result(name, message=message, code=code, rows_affected=rows_affected, agate_table=res) -%}
    {%- endif -%}
{%- endmacro %}

{% macro run_query(sql) -%}
    {%- call statement("run_query_statement", fetch_result=true, auto_begin=false) -%}
        {{ sql }}
    {%- endcall -%}
    {%- do return(load_result("run_query_statement").table) -%}
{%- endmacro %}

{% macro should_full_refresh() -%}
    {%- set full_refresh = config.get('full_refresh') -%}
    {%- if full_refresh is none -%}
        {%- set full_refresh = flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- do return(full_refresh) -%}
{%- endmacro %}

{#- hook configs: pre_hook=before_begin("..."), post_hook=after_commit("...") -#}
{% macro make_hook_config(sql, inside_transaction) -%}
    {{ tojson({"sql": sql, "transaction": inside_transaction}) }}
{%- endmacro %}

{% macro before_begin(sql) -%}
    {{ make_hook_config(sql, inside_transaction=False) }}
{%- endmacro %}

{% macro in_transaction(sql) -%}
    {{ make_hook_config(sql, inside_transaction=True) }}
{%- endmacro %}

{% macro after_commit(sql) -%}
    {{ make_hook_config(sql, inside_transaction=False) }}
{%- endmacro %}

{#- relations -#}
{% macro load_relation(relation) -%}
    {%- do return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier)) -%}
{%- endmacro %}

{% macro load_cached_relation(relation) -%}
    {%- do return(adapter.get_relation(database=relation.database, schema=relation.schema, identifier=relation.identifier)) -%}
{%- endmacro %}

{% macro drop_relation_if_exists(relation) -%}
    {%- if relation is not none -%}
        {%- do adapter.drop_relation(relation) -%}
    {%- endif -%}
{%- endmacro %}

{% macro get_columns_in_relation(relation) -%}
    {%- do return(adapter.get_columns_in_relation(relation)) -%}
{%- endmacro %}

{% macro get_columns_in_query(select_sql) -%}
    {%- call statement('get_columns_in_query', fetch_result=True, auto_begin=False) -%}
        select * from ({{ select_sql }}) as __dbt_sbq where false limit 0
    {%- endcall -%}
    {%- do return(load_result('get_columns_in_query').table.columns | map(attribute='name') | list) -%}
{%- endmacro %}

{% macro create_schema(relation) -%}
    {%- do adapter.create_schema(relation) -%}
{%- endmacro %}

{% macro drop_schema(relation) -%}
    {%- do adapter.drop_schema(relation) -%}
{%- endmacro %}

{% macro check_schema_exists(information_schema, schema) -%}
    {%- do return(adapter.check_schema_exists(information_schema.database, schema)) -%}
{%- endmacro %}
