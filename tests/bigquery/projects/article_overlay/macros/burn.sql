{#-
  burn(seconds), BigQuery edition: a one-row subquery with one integer column, `burned`,
  always 0, that keeps the BigQuery emulator busy for about `seconds` seconds first: a
  cross join of two small generate_array()s, which the emulator cancels in tens of
  milliseconds (one big generate_array it does not interrupt for seconds). With
  seconds <= 0 it is instant.

  Calibration (local-bigquery 0.3.2 on a 2-core machine, one query at a time): N = 6000 ->
  1.2 s, N = 10000 -> 2.9 s, i.e. about 3.5e7 pairs per second (var `bq_burn_rate`).
  Use it in a model as:  cross join ({{ burn(planned_seconds()) }}) as work
-#}
{% macro burn(seconds) -%}
    {%- set seconds = (seconds or 0) | float -%}
    {%- if seconds <= 0 -%}
        select 0 as burned
    {%- else -%}
        {%- set n = ((seconds * (var('bq_burn_rate', 35000000) | float)) ** 0.5) | int -%}
        select cast(sum(mod(burn_a * burn_b, 7)) * 0 as int64) as burned
        from unnest(generate_array(1, {{ n }})) as burn_a, unnest(generate_array(1, {{ n }})) as burn_b
    {%- endif -%}
{%- endmacro %}


{#- planned_seconds(): the entry for the current model in the `durations` var (0 if none). -#}
{% macro planned_seconds() -%}
    {{ return(var('durations', {}).get(model.name, 0)) }}
{%- endmacro %}
