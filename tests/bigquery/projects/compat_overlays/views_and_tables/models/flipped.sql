{{ config(materialized='table' if var('mat', 'view') == 'view' else 'view') }}
select n from {{ ref('base_numbers') }} where mod(n, 2) = 1
