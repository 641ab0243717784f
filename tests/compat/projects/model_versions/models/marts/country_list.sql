select 'v1' as v, country from {{ ref('countries', v=1) }}
union all
select 'v2' as v, country from {{ ref('countries') }}
