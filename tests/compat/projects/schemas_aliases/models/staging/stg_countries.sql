select code, upper(name) as name from {{ ref('countries') }}
