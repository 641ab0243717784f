select id, name || '!' as name from {{ ref('dim') }}
