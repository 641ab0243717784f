{% macro rows_as_text(table) -%}
    {%- set out = [] -%}
    {%- for row in table.rows -%}
        {%- do out.append(row | join('/')) -%}
    {%- endfor -%}
    {{ return(out | join(';')) }}
{%- endmacro %}
