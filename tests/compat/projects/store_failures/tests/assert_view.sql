{{ config(store_failures_as='view') }}
select * from {{ ref('orders') }} where id > 100
