{#- a package's materialization for duckdb: beats the root project's default block -#}
{% materialization pkg_mat, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {{ drop_relation_if_exists(load_cached_relation(this)) }}
  {% call statement('main') -%}
    create table {{ target_relation }} as select *, 'package duckdb' as built_by from ({{ sql }}) as q
  {%- endcall %}
  {{ adapter.commit() }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- a package replacing dbt's view: passed over (require_explicit_package_overrides_for_builtin_materializations) -#}
{% materialization view, default %}
  {{ exceptions.raise_compiler_error("the package's view materialization must not be used") }}
{% endmaterialization %}
