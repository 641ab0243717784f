select
    o.order_id,
    o.quantity,
    p.price_cents,
    o.quantity * p.price_cents as total_cents,
    {{ shop_utils.to_cents('1.5') }} as fee_cents,
    t.order_count
from {{ ref('raw_orders') }} as o
join {{ ref('stg_prices') }} as p using (product_id)
join {{ ref('shop_utils', 'product_totals') }} as t using (product_id)
