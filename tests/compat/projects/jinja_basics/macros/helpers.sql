{# add(a, b): a + b, returned as a number (not rendered text) #}
{% macro add(a, b=10) -%}
    {{ return(a + b) }}
{%- endmacro %}

{% macro doubled(values) -%}
    {%- set out = [] -%}
    {%- for v in values -%}
        {%- do out.append(v * 2) -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}

{#- a macro whose output is SQL text, with keyword arguments -#}
{% macro label_case(column, labels, default='other') -%}
    case {{ column }}
    {%- for value, label in labels.items() %}
        when {{ value }} then '{{ label }}'
    {%- endfor %}
        else '{{ default }}'
    end
{%- endmacro %}

{% macro describe_target() -%}
    {{ target.name }}/{{ target.schema }}/{{ target.type }}
{%- endmacro %}
