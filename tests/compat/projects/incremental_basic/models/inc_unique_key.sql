{{ config(unique_key='id') }}
-- dbt-duckdb's default strategy with a unique_key is delete+insert
select id, label, amount, batch from {{ ref('source_rows') }}
