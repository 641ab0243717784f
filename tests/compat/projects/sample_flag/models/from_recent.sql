select id from {{ ref('recent') }}
