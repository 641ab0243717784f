-- depends_on: {{ ref('customers') }}
-- customers is read through source('raw', 'customers'); the line above makes the seed run first.
with customers as (
    select * from {{ source('raw', 'customers') }}
),

revenue_orders as (
    select *
    from {{ ref('stg_orders') }}
    where status in (
        {%- for status in var('revenue_statuses') %}'{{ status }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    )
),

per_customer as (
    select
        customer_id,
        count(*) as order_count,
        sum(amount) as gross_amount,
        sum(net_amount) as net_amount,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from revenue_orders
    group by customer_id
)

select
    {{ fail_point('c.customer_id + work.burned') }} as customer_id,
    c.first_name || ' ' || c.last_name as customer_name,
    c.signup_date,
    c.credit_limit,
    coalesce(p.order_count, 0) as order_count,
    coalesce(p.gross_amount, 0) as gross_amount,
    coalesce(p.net_amount, 0) as net_amount,
    p.first_order_date,
    p.last_order_date,
    '{{ invocation_id }}' as invocation_id
from customers as c
left join per_customer as p on p.customer_id = c.customer_id
cross join ({{ burn(planned_seconds()) }}) as work
