{{ config(materialized='view') }}
select * from {{ ref('MixedUpper') }} join {{ ref('Seed_Two') }} using (id)
