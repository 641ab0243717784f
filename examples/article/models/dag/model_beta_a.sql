select
    {{ fail_point('a.customer_id + work.burned') }} as customer_id,
    a.customer_name,
    a.order_count,
    a.net_amount,
    case
        when a.net_amount >= {{ var('high_value_threshold') }} then 'high'
        when a.order_count > 0 then 'regular'
        else 'none'
    end as value_segment,
    '{{ invocation_id }}' as invocation_id
from {{ ref('model_alpha') }} as a
cross join ({{ burn(planned_seconds()) }}) as work
