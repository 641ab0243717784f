select * from {{ ref('raw') }}
