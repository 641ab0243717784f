{{ config(incremental_strategy='insert_overwrite') }}
-- a dbt strategy that dbt-duckdb does not offer
select id, label from {{ ref('source_rows') }}
