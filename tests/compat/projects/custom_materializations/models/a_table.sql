{{ config(materialized='table') }} select 4 as t
