{{ config(incremental_strategy='append', unique_key='id') }}
-- append ignores the unique_key
select id, batch from {{ ref('source_rows') }}
