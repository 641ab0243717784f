{{ config(alias='country_report', tags=['nightly']) }}
select s.code, s.name, '{{ this.identifier }}' as identifier, '{{ this.schema }}' as schema_name
from {{ ref('stg_countries') }} as s
