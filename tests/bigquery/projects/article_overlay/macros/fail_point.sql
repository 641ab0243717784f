{#-
  fail_point(expr), BigQuery edition: `expr` unchanged (an integer SQL expression), unless
  the var `fail_model` names the current model: then the expression becomes a cast of
  'x<value>' to INT64, which fails per row at run time, after the model's upstream reads
  and its burn() work are done (pass an expression that includes work.burned).
-#}
{% macro fail_point(expr) -%}
    {%- if var('fail_model', '') == model.name -%}
        cast(concat('x', cast({{ expr }} as string)) as int64)
    {%- else -%}
        ({{ expr }})
    {%- endif -%}
{%- endmacro %}
