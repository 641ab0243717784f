{{ config(materialized='view') }}
-- a view over the model that changes kind
select count(*) as n, sum(square) as total from {{ ref('switching') }}
