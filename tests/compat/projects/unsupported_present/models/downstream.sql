select id, id * 10 as tenfold from {{ ref('base') }}
