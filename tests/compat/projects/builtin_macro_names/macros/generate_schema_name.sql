{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name == 'raw' -%}
        {{ default__generate_schema_name(none, node) }}_raw_data
    {%- else -%}
        {{ dbt.generate_schema_name(custom_schema_name, node) | trim }}
    {%- endif -%}
{%- endmacro %}
