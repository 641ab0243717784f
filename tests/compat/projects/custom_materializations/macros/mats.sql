{#- a table built under an intermediate name and swapped in, as dbt's own table materialization does -#}
{% materialization swapped_table, default %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
  {%- set backup_relation_type = 'table' if existing_relation is none else existing_relation.type -%}
  {%- set backup_relation = make_backup_relation(target_relation, backup_relation_type) -%}
  {{ drop_relation_if_exists(load_cached_relation(intermediate_relation)) }}
  {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {% call statement('main') -%}
    {{ get_create_table_as_sql(False, intermediate_relation, sql) }}
  {%- endcall %}

  {% if existing_relation is not none %}
    {%- set existing_relation = existing_relation.incorporate(type=backup_relation_type) -%}
    {{ adapter.rename_relation(existing_relation, backup_relation) }}
  {% endif %}
  {{ adapter.rename_relation(intermediate_relation, target_relation) }}

  {%- set grant_config = config.get('grants') -%}
  {%- set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) -%}
  {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}
  {% do persist_docs(target_relation, model) %}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ drop_relation_if_exists(backup_relation) }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- loses to the package's block for duckdb -#}
{% materialization pkg_mat, default %}
  {{ exceptions.raise_compiler_error("the root project's default pkg_mat must not be used on duckdb") }}
{% endmaterialization %}

{#- the root project's view: replaces dbt's (builds a table, with a marker column) -#}
{% materialization view, default %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {{ drop_relation_if_exists(load_cached_relation(this)) }}
  {% call statement('main') -%}
    create table {{ target_relation }} as select *, 'root view' as built_by from ({{ sql }}) as q
  {%- endcall %}
  {{ adapter.commit() }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- the root project's table for every adapter: loses to dbt-duckdb's own table -#}
{% materialization table, default %}
  {{ exceptions.raise_compiler_error("a default table block must lose to dbt-duckdb's table") }}
{% endmaterialization %}

{% materialization returns_nothing, default %}
  {% call statement('main') -%}
    create table {{ this }} as {{ sql }}
  {%- endcall %}
  {{ adapter.commit() }}
{% endmaterialization %}
