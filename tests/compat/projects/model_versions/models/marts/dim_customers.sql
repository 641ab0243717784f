-- version 1 lives in the unsuffixed file (defined_in)
select id, name from {{ ref('stg_customers') }}
