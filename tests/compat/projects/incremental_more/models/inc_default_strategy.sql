{{ config(incremental_strategy='default', unique_key='id') }}
-- 'default' is dbt-duckdb's delete+insert
select id, label, amount from {{ ref('source_rows') }}
