select count(*) as n, sum(amount) as total from {{ ref('eph') }}
