{# the project's own version of one of dbt's cross-database macros (found through dispatch:) #}
{% macro bigquery__concat(fields) -%}
    {{ fields | join(" || '-' || ") }}
{%- endmacro %}

{# a project macro dispatched in its own namespace: bigquery__ wins over default__ #}
{% macro label(value) -%}
    {{ return(adapter.dispatch('label', 'dispatch_macros')(value)) }}
{%- endmacro %}
{% macro default__label(value) -%}'default:{{ value }}'{%- endmacro %}
{% macro bigquery__label(value) -%}'bigquery:{{ value }}'{%- endmacro %}

{# only a default__ implementation #}
{% macro fallback(value) -%}
    {{ return(adapter.dispatch('fallback')(value)) }}
{%- endmacro %}
{% macro default__fallback(value) -%}'fallback:{{ value }}'{%- endmacro %}

{# a macro returning a value (not text) through dispatch #}
{% macro doubled(n) -%}{{ return(adapter.dispatch('doubled', 'dispatch_macros')(n)) }}{%- endmacro %}
{% macro default__doubled(n) -%}{{ return(n * 2) }}{%- endmacro %}
