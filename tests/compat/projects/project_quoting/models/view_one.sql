{{ config(materialized='view') }}
select * from {{ ref('inc_one') }}
