select * from {{ ref('private_one') }}
