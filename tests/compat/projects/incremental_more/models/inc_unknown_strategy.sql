{{ config(incremental_strategy='upsert', unique_key='id') }}
-- dbt only looks the strategy up on an incremental run: the first build succeeds
select id, label from {{ ref('source_rows') }}
