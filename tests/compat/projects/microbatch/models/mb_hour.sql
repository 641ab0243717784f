{{ config(batch_size='hour', lookback=0) }}
select id, ts, '{{ model.batch.id }}' as batch_id from {{ ref('events') }}
