{{ config(unique_key='id', full_refresh=false) }}
-- never rebuilt, even with --full-refresh
select id, label, batch from {{ ref('source_rows') }}
