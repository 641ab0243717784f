{{ config(unique_key='id', full_refresh=true) }}
-- rebuilt on every run
select id, label, batch from {{ ref('source_rows') }}
