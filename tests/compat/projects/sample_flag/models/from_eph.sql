select id from {{ ref('recent_eph') }}
