{{ config(materialized='external', location=out_dir() ~ '_x_parquet.parquet') }}
select * from {{ ref('base') }}
