select id, amount * 2 as doubled, status, customer_id from {{ ref('raw_orders') }} where status = 'ok'
