{#-
  fail_point(expr): `expr` unchanged (an integer SQL expression), unless the var
  `fail_model` names the current model: then the expression becomes
  cast(concat('x', expr) as integer), which DuckDB can only evaluate per row, so the model
  compiles fine and then fails at run time with a conversion error, after its upstream
  reads and its burn() work are done (pass an expression that includes work.burned).
  DuckDB returns NULL for division by zero, hence a failing cast rather than 1/0.
-#}
{% macro fail_point(expr) -%}
    {%- if var('fail_model', '') == model.name -%}
        cast(concat('x', {{ expr }}) as integer)
    {%- else -%}
        ({{ expr }})
    {%- endif -%}
{%- endmacro %}
