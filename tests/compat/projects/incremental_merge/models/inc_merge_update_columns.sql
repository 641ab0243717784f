{{ config(incremental_strategy='merge', unique_key='id', merge_update_columns=['label']) }}
-- matched rows: only label is updated, amount keeps its first value
select id, label, amount from {{ ref('source_rows') }}
