{{ config(materialized='incremental', unique_key='id') }}
select id, 'x' as val from {{ ref('stage_model') }}
{% if is_incremental() %}where id >= (select max(id) from {{ this }}){% endif %}
