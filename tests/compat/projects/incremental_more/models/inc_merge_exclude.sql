{{ config(incremental_strategy='merge', unique_key='id', merge_exclude_columns=['amount']) }}
-- matched rows: every column but amount is updated
select id, label, amount from {{ ref('source_rows') }}
