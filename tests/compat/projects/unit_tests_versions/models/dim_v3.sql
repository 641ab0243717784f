select id, upper(name) as name, 'y' as extra from {{ ref('raw') }}
