{{ config(materialized='pkg_mat') }} select 7 as n
