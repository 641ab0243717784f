{{ config(incremental_strategy='merge', unique_key='id') }}
select id, label, amount from {{ ref('source_rows') }}
