{% macro wrap(tag) -%}
    '<{{ tag }}>' || {{ caller() }} || '</{{ tag }}>'
{%- endmacro %}

{% macro count_args() -%}
    {{ return(varargs | length ~ '/' ~ (kwargs | dictsort | map('first') | join(','))) }}
{%- endmacro %}

{% macro greet(name) -%}
    {{ return(adapter.dispatch('greet')(name)) }}
{%- endmacro %}

{% macro default__greet(name) -%}
    'hello from default, {{ name }}'
{%- endmacro %}

{% macro bigquery__greet(name) -%}
    'hello from bigquery, {{ name }}'
{%- endmacro %}

{% macro first_positive(values) -%}
    {%- for v in values -%}
        {%- if v > 0 -%}{{ return(v) }}{%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{% macro answer() -%}
    {{ return({'value': 42}) }}
{%- endmacro %}
