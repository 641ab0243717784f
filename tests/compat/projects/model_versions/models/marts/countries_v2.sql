select distinct lower(country) as country from {{ ref('stg_customers') }}
