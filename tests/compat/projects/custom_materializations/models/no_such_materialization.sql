{{ config(materialized='no_such_materialization') }} select 6 as s
