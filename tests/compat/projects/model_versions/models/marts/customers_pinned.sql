select 'v1' as source, id, name, null as country from {{ ref('dim_customers', v=1) }}
union all
select 'v3' as source, id, name, country from {{ ref('dim_customers', version='3') }}
union all
select 'v2' as source, id, name, country from {{ ref('model_versions', 'dim_customers', v=2) }}
