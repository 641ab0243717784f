{#- Spark's spelling of the dbt.* cross-database macros where the default one is not valid
    Spark SQL (or means something else there), as dbt-spark renders them. -#}

{% macro spark__current_timestamp() -%}current_timestamp(){%- endmacro %}
{% macro spark__snapshot_get_time() -%}current_timestamp(){%- endmacro %}

{% macro spark__type_string() -%}string{%- endmacro %}
{% macro spark__type_int() -%}int{%- endmacro %}
{% macro spark__type_bigint() -%}bigint{%- endmacro %}
{% macro spark__type_float() -%}double{%- endmacro %}
{% macro spark__type_numeric() -%}decimal(28,6){%- endmacro %}
{% macro spark__type_timestamp() -%}timestamp{%- endmacro %}
{% macro spark__type_boolean() -%}boolean{%- endmacro %}

{% macro spark__cast_bool_to_text(field) -%}cast({{ field }} as string){%- endmacro %}
{% macro spark__hash(field) -%}md5(cast({{ field }} as string)){%- endmacro %}
{% macro spark__safe_cast(field, type) -%}try_cast({{ field }} as {{ type }}){%- endmacro %}

{#- a backslash escapes a quote in every Spark version (dbt-spark's spelling) -#}
{% macro spark__escape_single_quotes(expression) -%}{{ expression | replace("'", "\\'") }}{%- endmacro %}

{% macro spark__date(year, month, day) -%}
    to_date('{{ modules.datetime.date(year, month, day).strftime('%Y-%m-%d') }}', 'yyyy-MM-dd')
{%- endmacro %}

{% macro spark__array_construct(inputs, data_type) -%}
    {%- if inputs | length > 0 -%}array( {{ inputs | join(' , ') }} ){%- else -%}cast(array() as array<{{ data_type }}>){%- endif -%}
{%- endmacro %}

{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
    array_join(slice(array_agg({{ measure }}), 1, {{ limit_num }}), {{ delimiter_text }})
    {%- else -%}
    listagg({{ measure }}, {{ delimiter_text }}){% if order_by_clause %} within group ({{ order_by_clause }}){% endif %}
    {%- endif -%}
{%- endmacro %}
