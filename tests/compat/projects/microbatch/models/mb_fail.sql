-- the batch of 2024-01-03 holds amount 'bad': that batch fails, the others are built
select id, ts, cast(amount as integer) as amount
from {{ ref('events') }}
