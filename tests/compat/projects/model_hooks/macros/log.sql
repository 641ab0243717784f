{% macro log_event(text) -%}
    insert into {{ target.schema }}.hook_log values ({{ dbt.string_literal(dbt.escape_single_quotes(text)) }})
{%- endmacro %}

{% macro log_results(results) -%}
    {%- set lines = [] -%}
    {%- for r in results | sort(attribute='node.unique_id') -%}
        {%- do lines.append(r.node.unique_id ~ '=' ~ r.status ~ ' (' ~ r.node.resource_type ~ ', failures ' ~ r.failures ~ ')') -%}
    {%- endfor -%}
    {{ log_event('results: ' ~ (lines | join('; '))) }}
{%- endmacro %}
