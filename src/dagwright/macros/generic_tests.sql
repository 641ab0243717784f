{#- dagwright's built-in generic tests. A project macro of the same name replaces one.
    Each returns the rows that violate the rule; the test fails when there are any. -#}

{#- The relation itself when there is no 'where' (a test may ask the adapter about it, as
    dbt_utils' tests do), else a subquery's text. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- Whether the test keeps its failing rows: its store_failures config, else the flag. -#}
{% macro should_store_failures() -%}
    {%- set configured = config.get('store_failures') -%}
    {{ return((flags.get('STORE_FAILURES') or false) if configured is none else configured) }}
{%- endmacro %}

{% test not_null(model, column_name) %}
{#- dbt: every column when the failing rows are stored -#}
select {{ '*' if should_store_failures() else column_name }}
from {{ model }}
where {{ column_name }} is null
{% endtest %}

{% test unique(model, column_name) %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endtest %}

{% test accepted_values(model, column_name, values, quote=True) %}
with all_values as (
    select {{ column_name }} as value_field, count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)
select *
from all_values
where value_field not in (
    {%- for value in values -%}
        {%- if quote -%}'{{ value }}'{%- else -%}{{ value }}{%- endif -%}
        {%- if not loop.last -%},{%- endif -%}
    {%- endfor -%}
)
{% endtest %}

{% test relationships(model, column_name, to, field) %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),
parent as (
    select {{ field }} as to_field
    from {{ to }}
)
select from_field
from child
left join parent on child.from_field = parent.to_field
where parent.to_field is null
{% endtest %}
