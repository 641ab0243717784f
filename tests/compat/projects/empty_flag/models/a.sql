-- depends_on: {{ ref('raw') }}
select * from {{ source('src','raw') }}
