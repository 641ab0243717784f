{% materialization copy_of_table, default %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {% call statement('main') -%}
    create table {{ target_relation }} as {{ sql }}
  {%- endcall %}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
