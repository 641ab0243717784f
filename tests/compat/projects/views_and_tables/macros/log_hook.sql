{#- one row in hooks_<model> (created by the first project pre-hook); seq numbers the model's
    hooks in the order they ran -#}
{% macro log_hook(name, hook) -%}
    insert into {{ target.schema }}.hooks_{{ name }}
    select '{{ hook }}', {{ var('step') }}, count(*) from {{ target.schema }}.hooks_{{ name }}
{%- endmacro %}
