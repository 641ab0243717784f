{{ config(materialized='table') }}
-- downstream of a snapshot: built after it in `build`
select id, count(*) as versions, max(dbt_valid_from) as last_change, count(dbt_valid_to) as closed
from {{ ref('orders_ts') }}
group by id
