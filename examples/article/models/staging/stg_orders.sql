select
    o.order_id,
    o.customer_id,
    o.order_date,
    o.status,
    o.amount_cents,
    {{ cents_to_dollars('o.amount_cents') }} as amount,
    o.discount,
    {{ cents_to_dollars('o.amount_cents * (1 - o.discount)') }} as net_amount,
    '{{ invocation_id }}' as invocation_id
from {{ ref('orders') }} as o
