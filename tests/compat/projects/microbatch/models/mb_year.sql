{{ config(batch_size='year', lookback=1) }}
-- without --event-time-*: the first run builds from begin to now, later runs the last
-- batch and `lookback` batches before it (the tag shows which run wrote each row)
select id, ts, '{{ var("tag") }}' as tag from {{ ref('events') }}
