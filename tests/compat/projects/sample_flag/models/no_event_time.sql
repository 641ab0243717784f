-- from_seed has no event_time: read whole
select id from {{ ref('from_seed') }}
