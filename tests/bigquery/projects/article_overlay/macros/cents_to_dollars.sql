{#- cents_to_dollars, BigQuery edition: NUMERIC instead of decimal(18, scale). -#}
{% macro cents_to_dollars(column_name, scale=2) -%}
    round(cast({{ column_name }} / 100.0 as numeric), {{ scale }})
{%- endmacro %}
