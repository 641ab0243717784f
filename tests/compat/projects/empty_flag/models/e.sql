{{ config(materialized='ephemeral') }}
select * from {{ ref('b') }}
