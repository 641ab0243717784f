-- dbt-postgres builds a microbatch batch as a merge on unique_key (required)
{{ config(materialized='incremental', incremental_strategy='microbatch', event_time='ts', begin='2024-01-01', batch_size='day', unique_key='id') }}
select id, ts, '{{ model.batch.id }}' as batch_id from {{ ref('events') }}
