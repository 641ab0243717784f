{# macros of one file calling each other: each call ends at the callee's return(), which
   does not end the caller (the caller goes on and returns its own value) #}
{% macro sibling_inner(n) -%}
    {{ return(n * 10) }}
{%- endmacro %}

{% macro sibling_outer() -%}
    {%- set first = sibling_inner(1) -%}
    {%- set second = sibling_inner(2) -%}
    {{ return(first + second) }}
{%- endmacro %}
