select
    {{ fail_point('a.customer_id + work.burned') }} as customer_id,
    a.signup_date,
    a.first_order_date,
    a.last_order_date,
    date_diff(a.first_order_date, a.signup_date, day) as days_to_first_order,
    case
        when a.order_count = 0 then 'inactive'
        when a.order_count = 1 then 'one_time'
        else 'repeat'
    end as activity,
    '{{ invocation_id }}' as invocation_id
from {{ ref('model_alpha') }} as a
cross join ({{ burn(planned_seconds()) }}) as work
