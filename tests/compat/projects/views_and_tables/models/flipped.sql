{{ config(materialized='table' if var('mat', 'view') == 'view' else 'view') }}
select n from {{ ref('base_numbers') }} where n % 2 = 1
