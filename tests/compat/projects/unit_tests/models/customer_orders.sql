{{ config(materialized='table') }}
with o as (select * from {{ ref('orders') }})
select o.id, c.name || '{{ env_var("UT_SUFFIX", "-") }}' as label, o.doubled
from o join {{ source('shop', 'raw_customers') }} c on c.id = o.customer_id
where o.doubled >= {{ var('min_doubled', 0) }}
