-- the first batch fails: dbt runs no other batch
select id, ts, cast(case when ts < '2024-01-02' then 'x' else '1' end as integer) as n
from {{ ref('events') }}
