{{ config(materialized='table') }}
select
    id,
    status,
    dbt_valid_from,
    case
        when dbt_valid_to is null then 'current'
        when dbt_valid_to < timestamp '2025-01-01' then cast(dbt_valid_to as string)
        when dbt_valid_to <= current_timestamp() then 'run time (hard delete)'
        else 'in the future?'
    end as valid_to
from {{ ref('orders_check_ts') }}
