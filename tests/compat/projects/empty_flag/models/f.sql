select * from {{ ref('e') }}
