{{ config(incremental_strategy='merge') }}
-- without a unique_key nothing matches: every row is inserted
select id, label from {{ ref('source_rows') }}
