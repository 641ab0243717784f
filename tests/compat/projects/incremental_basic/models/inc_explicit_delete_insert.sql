{{ config(incremental_strategy='delete+insert', unique_key='id') }}
select id, label from {{ ref('source_rows') }}
