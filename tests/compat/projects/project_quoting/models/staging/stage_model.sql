select * from {{ ref('mixed_case') }}
