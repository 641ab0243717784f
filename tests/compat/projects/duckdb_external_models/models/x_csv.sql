{{ config(materialized='external', location=out_dir() ~ '_x_csv.csv', delimiter='|') }}
select id, name from {{ ref('base') }}
