{{ config(materialized='external', location=out_dir() ~ '_x_empty.parquet') }}
select * from {{ ref('base') }} where id < 0
