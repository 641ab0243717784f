{#-
  burn(seconds), Spark edition: a one-row subquery with one integer column, `burned`,
  always 0, that keeps one Spark task busy for `seconds` seconds first. With seconds <= 0
  it is instant.

  The work is java.lang.Thread.sleep called through reflect(), once per row of a
  one-partition range: ten rows of 100 ms per second. One partition is one task, so two
  models burning at once on local[2] do not wait for each other's cores. A cancelled job
  stops within one row (a task kill is seen between rows, and interruptOnCancel wakes the
  sleep at once). reflect() is non-deterministic, so Spark neither folds it away nor lets
  it inside an aggregate: it is projected in a subquery, and min(length(...)) keeps the
  optimizer from dropping that column.

  Use it in a model as:  cross join ({{ burn(planned_seconds()) }}) as work
-#}
{% macro burn(seconds) -%}
    {%- set seconds = (seconds or 0) | float -%}
    {%- if seconds <= 0 -%}
        select 0 as burned
    {%- else -%}
        {%- set rows = [1, (seconds * 10) | round | int] | max -%}
        {%- set millis = ((seconds * 1000) / rows) | round | int -%}
        select cast(min(length(burn_sleep.slept)) * 0 as int) as burned
        from (
            select reflect('java.lang.Thread', 'sleep', cast({{ millis }} as bigint)) as slept
            from range(0, {{ rows }}, 1, 1)
        ) as burn_sleep
    {%- endif -%}
{%- endmacro %}


{#- planned_seconds(): the entry for the current model in the `durations` var (0 if none). -#}
{% macro planned_seconds() -%}
    {{ return(var('durations', {}).get(model.name, 0)) }}
{%- endmacro %}
