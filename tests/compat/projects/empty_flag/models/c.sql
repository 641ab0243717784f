{{ config(materialized='incremental') }}
select * from {{ ref('b') }}
{% if is_incremental() %} where id > (select max(id) from {{ this }}){% endif %}
