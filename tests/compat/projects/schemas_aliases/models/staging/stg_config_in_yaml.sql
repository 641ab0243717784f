-- materialized, alias, schema and tags come from models/properties.yml
select code from {{ ref('stg_countries') }} where code <> 'IT'
