{% macro bounds() %}
  {{ return({'low': '2000-01-01', 'high': '2100-01-01'}) }}
{% endmacro %}

{% macro window_filter(column) %}
  {%- set b = unit_tests_overrides.bounds() -%}
  {{ column }} between '{{ b.low }}' and '{{ b.high }}'
{% endmacro %}

{% macro label() %}'real'{% endmacro %}
