select * from {{ ref('failing') }}
