{{ config(materialized='table') }}
select * from {{ ref('mb_fail') }}
