{#-
  fail_point(expr), Spark edition: `expr` unchanged (an integer SQL expression), unless the
  var `fail_model` names the current model: then every row raises
  "fail_point: <model> failed at <expr value>" through raise_error(), at run time, after the
  model's upstream reads and its burn() work are done (pass an expression that includes
  work.burned). The message reads the expression, so Spark cannot raise it while planning.
  raise_error rather than the article's failing cast: that cast only fails with ANSI mode
  on, and dbt-spark turns ANSI mode off.
-#}
{% macro fail_point(expr) -%}
    {%- if var('fail_model', '') == model.name -%}
        cast(coalesce(raise_error(concat('fail_point: {{ model.name }} failed at ', cast({{ expr }} as string))), {{ expr }}) as int)
    {%- else -%}
        ({{ expr }})
    {%- endif -%}
{%- endmacro %}
