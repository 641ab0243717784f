select id, name from {{ ref('dim', v=1) }}
