{{ config(schema='adhoc', materialized='view') }}
select count(*) as n from {{ ref('revenue') }}
