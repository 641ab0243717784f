{{ config(tags=['leaf']) }}

with segment_rows as (
    select
        {{ fail_point('b.customer_id + work.burned') }} as customer_id,
        b.value_segment,
        b.net_amount
    from {{ ref('model_beta_a') }} as b
    cross join ({{ burn(planned_seconds()) }}) as work
)

select
    value_segment,
    count(distinct customer_id) as customer_count,
    sum(net_amount) as net_amount,
    '{{ invocation_id }}' as invocation_id
from segment_rows
group by value_segment
