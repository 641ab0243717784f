-- ephemeral versions: each is its own CTE
select distinct country from {{ ref('stg_customers') }}
