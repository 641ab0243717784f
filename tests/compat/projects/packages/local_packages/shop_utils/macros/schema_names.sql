{# the package's own naming applies to its nodes only #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}_shop{%- else -%}{{ target.schema }}_shop_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
