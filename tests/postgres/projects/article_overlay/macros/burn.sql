{#-
  burn(seconds), PostgreSQL edition: a one-row subquery with one integer column, `burned`,
  always 0, that takes `seconds` seconds (pg_sleep) first. With seconds <= 0 it is instant.
  Use it in a model as:  cross join ({{ burn(planned_seconds()) }}) as work
-#}
{% macro burn(seconds) -%}
    {%- set seconds = (seconds or 0) | float -%}
    {%- if seconds <= 0 -%}
        select 0 as burned
    {%- else -%}
        select cast(count(*) * 0 as integer) as burned from pg_sleep({{ seconds }})
    {%- endif -%}
{%- endmacro %}


{#- planned_seconds(): the entry for the current model in the `durations` var (0 if none). -#}
{% macro planned_seconds() -%}
    {{ return(var('durations', {}).get(model.name, 0)) }}
{%- endmacro %}
