{#- replaces dbt's view under the legacy flag: builds a table with a marker column -#}
{% materialization view, default %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {{ drop_relation_if_exists(load_cached_relation(this)) }}
  {% call statement('main') -%}
    create table {{ target_relation }} as select *, 'package view' as built_by from ({{ sql }}) as q
  {%- endcall %}
  {{ adapter.commit() }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- loses to dbt-duckdb's own table block (an adapter's block beats a default one) -#}
{% materialization table, default %}
  {{ exceptions.raise_compiler_error("the package's default table must lose to dbt-duckdb's") }}
{% endmaterialization %}
