{{ config(materialized='ephemeral', event_time='ts') }}
select id, ts from {{ ref('recent') }}
