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

{#- dbt-spark's: a temporary view, or a table with the model's table options -#}
{% macro spark__create_table_as(temporary, relation, compiled_code, language="sql") -%}
  {%- if temporary -%}
    create or replace temporary view {{ relation }} as
    {{ compiled_code }}
  {%- else -%}
    {%- set file_format = config.get('file_format') -%}
    {%- set partition_by = config.get('partition_by') -%}
    {%- set clustered_by = config.get('clustered_by') -%}
    create {{ 'or replace ' if file_format in ('delta', 'iceberg') else '' }}table {{ relation }}
    {%- if file_format %}
    using {{ file_format }}
    {%- endif %}
    {%- if partition_by %}
    partitioned by ({{ ([partition_by] if partition_by is string else partition_by) | join(', ') }})
    {%- endif %}
    {%- if clustered_by and config.get('buckets') is not none %}
    clustered by ({{ ([clustered_by] if clustered_by is string else clustered_by) | join(', ') }}) into {{ config.get('buckets') }} buckets
    {%- endif %}
    {%- if config.get('location_root') %}
    location '{{ config.get('location_root') }}/{{ relation.identifier }}'
    {%- endif %}
    as
    {{ compiled_code }}
  {%- endif -%}
{%- endmacro %}
