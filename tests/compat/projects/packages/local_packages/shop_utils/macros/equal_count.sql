{# a test that sets its fail_calc from a dispatched macro at parse time and checks its argument
   is a relation through a private (underscore) macro, as dbt_utils' tests do #}
{% test equal_count(model, compare_model) %}
    {{ return(adapter.dispatch('test_equal_count', 'shop_utils')(model, compare_model)) }}
{% endtest %}

{% macro default__test_equal_count(model, compare_model) %}
{% set calc %}sum(diff){% endset %}
{{ config(fail_calc=calc) }}
{%- if not execute -%}{{ return('') }}{%- endif -%}
{%- do shop_utils._require_relation(model) -%}
select abs(a.n - b.n) as diff
from (select count(*) as n from {{ model }}) as a
cross join (select count(*) as n from {{ compare_model }}) as b
union all
select 0 as diff
{% endmacro %}

{% macro _require_relation(obj) %}
    {%- if not (obj is mapping and obj.get('metadata', {}).get('type', '').endswith('Relation')) -%}
        {%- do exceptions.raise_compiler_error("expected a relation, got " ~ obj) -%}
    {%- endif -%}
{% endmacro %}
