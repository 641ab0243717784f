{% macro to_money(col) %}{{ return(adapter.dispatch('to_money', 'realistic')(col)) }}{% endmacro %}
{% macro default__to_money(col) %}({{ col }} / 100.0){% endmacro %}
{% macro duckdb__to_money(col) %}cast({{ col }} / 100.0 as decimal(12, 2)){% endmacro %}
