-- microbatch in sample mode: the batches of the sample's window, each reading its part of it
{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts', begin='2024-01-01', batch_size='day') }}
select id, ts, '{{ model.batch.id }}' as batch_id from {{ ref('events') }}
