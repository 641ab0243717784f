{{ config(materialized=var('mat', 'view')) }}
select n, square, '{{ config.get("materialized") }}' as built_as from {{ ref('base_numbers') }}
