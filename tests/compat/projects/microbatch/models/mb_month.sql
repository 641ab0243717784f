{{ config(batch_size='month', concurrent_batches=true) }}
select id, ts, '{{ model.batch.id }}' as batch_id from {{ source('raw', 'events') }}
