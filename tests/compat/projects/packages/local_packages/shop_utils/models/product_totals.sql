{{ config(tags=['in_file']) }}
select product_id, count(*) as order_count, sum(quantity) as quantity, '{{ var("currency") }}' as currency
from {{ source('shop_raw', 'orders') }}
group by product_id
