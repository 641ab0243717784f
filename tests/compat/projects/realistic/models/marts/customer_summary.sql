select
    c.customer_id,
    c.name,
    c.segment,
    coalesce(sum(p.amount), 0) as total_paid,
    count(p.amount) as payments
from {{ ref('stg_customers') }} c
left join {{ ref('int_payments') }} p using (customer_id)
group by 1, 2, 3
