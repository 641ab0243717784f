{{ config(materialized='ephemeral') }}
select id, amount from {{ ref('raw_orders') }} where amount > 10
