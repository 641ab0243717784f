select id, ts from {{ ref('events') }}
