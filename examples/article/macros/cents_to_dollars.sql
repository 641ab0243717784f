{#- Turn an amount in cents (integer or decimal expression) into a decimal amount of dollars. -#}
{% macro cents_to_dollars(column_name, scale=2) -%}
    cast({{ column_name }} / 100.0 as decimal(18, {{ scale }}))
{%- endmacro %}
