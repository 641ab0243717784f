select 20 as order_id, 9 as customer_id
