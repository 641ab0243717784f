select code, length(name) * 100 as revenue, '{{ this.schema }}' as schema_name
from {{ ref('stg_countries') }}
