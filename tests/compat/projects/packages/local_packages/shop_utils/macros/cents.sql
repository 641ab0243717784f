{% macro to_cents(column) -%}
    {{ return(adapter.dispatch('to_cents', 'shop_utils')(column)) }}
{%- endmacro %}

{% macro duckdb__to_cents(column) -%}
    cast({{ column }} * 1000 as integer)
{%- endmacro %}

{% macro default__to_cents(column) -%}
    cast({{ column }} * 10000 as integer)
{%- endmacro %}

{% macro shop_label() -%}
    '{{ var("label_prefix") }}-{{ var("currency") }}'
{%- endmacro %}
