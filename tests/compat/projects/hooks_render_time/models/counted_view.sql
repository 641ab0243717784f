{{ config(materialized='view', post_hook="{{ log_count(this, 'view post') }}") }}
select * from {{ ref('counted') }}
