{{ config(materialized='table') }}
select a.id, r.name from {{ ref('a') }} a join {{ ref('raw') }} r using (id)
