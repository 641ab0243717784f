{% macro make_table(schema, name, value=1) %}
  {% do run_query('create table if not exists ' ~ schema ~ '.' ~ name ~ ' as select ' ~ value ~ ' as id') %}
{% endmacro %}

{% macro schema_then_query() %}
  {% do adapter.create_schema(api.Relation.create(database=target.database, schema=target.schema ~ '_extra')) %}
  {{ make_table(target.schema ~ '_extra', 'after_create_schema') }}
  {% do run_query('insert into ' ~ target.schema ~ '_extra.after_create_schema values (2)') %}
{% endmacro %}

{% macro statement_committed() %}
  {% call statement('kept') %}create table if not exists {{ target.schema }}.committed as select 1 as id{% endcall %}
  {% do adapter.commit() %}
  {% call statement('not_begun', auto_begin=false) %}create table if not exists {{ target.schema }}.no_auto_begin as select 1 as id{% endcall %}
{% endmacro %}

{% macro statement_then_query() %}
  {% call statement('open') %}create table if not exists {{ target.schema }}.never_committed as select 1 as id{% endcall %}
  {{ make_table(target.schema, 'inside_open_transaction') }}
{% endmacro %}

{% macro query_then_drop() %}
  {{ make_table(target.schema, 'dropped') }}
  {{ make_table(target.schema, 'after_drop') }}
  {% do adapter.drop_relation(api.Relation.create(database=target.database, schema=target.schema, identifier='dropped', type='table')) %}
{% endmacro %}

{% macro query_then_truncate() %}
  {{ make_table(target.schema, 'truncated') }}
  {% do adapter.truncate_relation(api.Relation.create(database=target.database, schema=target.schema, identifier='truncated', type='table')) %}
{% endmacro %}

{% macro query_then_drop_schema() %}
  {% do adapter.create_schema(api.Relation.create(database=target.database, schema=target.schema ~ '_gone')) %}
  {{ make_table(target.schema ~ '_gone', 'inside') }}
  {% call statement('open') %}create table if not exists {{ target.schema }}.before_drop_schema as select 1 as id{% endcall %}
  {% do adapter.drop_schema(api.Relation.create(database=target.database, schema=target.schema ~ '_gone')) %}
{% endmacro %}

{% macro start_statements() %}
  {% if execute %}
    {% call statement('open') %}create table if not exists {{ target.schema }}.hook_statement as select 1 as id{% endcall %}
    {{ make_table(target.schema, 'hook_query') }}
  {% endif %}
{% endmacro %}

{% macro start_schema() %}
  {% if execute %}
    {% do adapter.create_schema(api.Relation.create(database=target.database, schema=target.schema ~ '_hooks')) %}
    {{ make_table(target.schema ~ '_hooks', 'after_hook_schema') }}
  {% endif %}
{% endmacro %}

{% macro end_statement() %}
  {% if execute %}
    {% call statement('open') %}create table if not exists {{ target.schema }}.end_statement as select 1 as id{% endcall %}
  {% endif %}
{% endmacro %}
