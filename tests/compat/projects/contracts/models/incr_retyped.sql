{{ config(materialized='incremental', on_schema_change='fail') }}
{% if var('batch') == 1 %}
select 1 as id, 'first' as label
{% else %}
select 2 as id, 2 as label
{% endif %}
