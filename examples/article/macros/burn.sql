{#-
  burn(seconds): SQL for a one-row subquery with one integer column, `burned`, always 0,
  that keeps DuckDB busy for about `seconds` seconds first. With seconds <= 0 it is
  instant (`select 0 as burned`).

  The work is a cross join of range(N) with itself, summing (i * j) % 7 over N*N pairs.
  DuckDB runs it on one core (each range() is a single morsel while N < 122880), so two
  models burning at once on a 2-core machine do not slow each other down much.

  Calibration (DuckDB 2.0, 2-core AMD EPYC, one query at a time):
      N = 17000 -> 1.14 s,  N = 26000 -> 2.65 s,  i.e. about 2.5e8 pairs per second.
  So  N(seconds) = sqrt(seconds * burn_rate)  with  burn_rate = 250000000 (var `burn_rate`).
  Set --vars '{burn_rate: ...}' to recalibrate on another machine. The single-core
  property holds up to about 55 s (N < 122880).

  Use it in a model as:  cross join ({{ burn(planned_seconds()) }}) as work
  and fold `work.burned` into an output column so the optimizer cannot drop it and so
  anything computed from that column waits for the work to finish.
-#}
{% macro burn(seconds) -%}
    {%- set seconds = (seconds or 0) | float -%}
    {%- if seconds <= 0 -%}
        select 0 as burned
    {%- else -%}
        {%- set n = ((seconds * (var('burn_rate', 250000000) | float)) ** 0.5) | int -%}
        select cast(sum((burn_a.i * burn_b.j) % 7) * 0 as integer) as burned
        from range({{ n }}) as burn_a(i), range({{ n }}) as burn_b(j)
    {%- endif -%}
{%- endmacro %}


{#- planned_seconds(): the entry for the current model in the `durations` var (0 if none). -#}
{% macro planned_seconds() -%}
    {{ return(var('durations', {}).get(model.name, 0)) }}
{%- endmacro %}
