select * from {{ source('raw', 'codes') }}
