select id, name, 'x' as extra from {{ ref('raw') }}
