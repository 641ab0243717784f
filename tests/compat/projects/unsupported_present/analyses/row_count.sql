select count(*) from {{ ref('base') }}
