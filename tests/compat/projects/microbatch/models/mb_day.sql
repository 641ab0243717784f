-- inputs with event_time are filtered to the batch; lookup (no event_time) is read whole
select
    e.id,
    e.ts,
    '{{ model.batch.id }}' as batch_id,
    '{{ model.batch.event_time_start }}' as batch_start,
    '{{ ref("events").render() }}' as events_name,
    (select count(*) from {{ ref('lookup') }}) as lookups,
    {{ 'true' if is_incremental() else 'false' }} as built_incrementally
from {{ ref('events') }} as e
