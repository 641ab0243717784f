select * from {{ ref('codes') }}
