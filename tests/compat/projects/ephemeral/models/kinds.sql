{{ config(materialized='view') }}
-- a view over the same ephemeral as user_totals
select kind, count(*) as n from {{ ref('eph_events') }} group by kind
