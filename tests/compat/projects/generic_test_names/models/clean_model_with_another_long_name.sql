select id from {{ ref('orders_with_a_rather_long_model_name') }}
