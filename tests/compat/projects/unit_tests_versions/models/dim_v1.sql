select id, name from {{ ref('raw') }}
