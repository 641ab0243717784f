{{ config(materialized='returns_nothing') }} select 5 as r
