select
    product_id,
    {{ to_cents('price') }} as price_cents,
    {{ shop_label() }} as label
from {{ ref('product_prices') }}
