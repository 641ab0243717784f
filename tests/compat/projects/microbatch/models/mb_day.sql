-- inputs with event_time are filtered to the batch; lookup (no event_time) is read whole
-- (no alias after the filtered ref: dbt-postgres already names its subquery)
select
    id,
    ts,
    '{{ model.batch.id }}' as batch_id,
    '{{ model.batch.event_time_start }}' as batch_start,
    '{{ ref("events").render() }}' as events_name,
    (select count(*) from {{ ref('lookup') }}) as lookups,
    {{ 'true' if is_incremental() else 'false' }} as built_incrementally
from {{ ref('events') }}
