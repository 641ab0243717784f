{{ config(tags=['leaf']) }}

with activity_rows as (
    select
        {{ fail_point('b.customer_id + work.burned') }} as customer_id,
        b.activity,
        b.days_to_first_order
    from {{ ref('model_beta_b') }} as b
    cross join ({{ burn(planned_seconds()) }}) as work
)

select
    activity,
    count(distinct customer_id) as customer_count,
    avg(days_to_first_order) as avg_days_to_first_order,
    '{{ invocation_id }}' as invocation_id
from activity_rows
group by activity
