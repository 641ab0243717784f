select * from {{ ref('secret') }}
