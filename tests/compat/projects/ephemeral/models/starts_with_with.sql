-- starts with its own with clause and uses ephemerals inside it
with purchases as (
    select * from {{ ref('eph_purchases') }}
),
bigs as (
    select * from {{ ref('eph_with_cte') }}
)
select p.user_id, sum(p.amount) as total, max(coalesce(b.big_purchases, 0)) as big_purchases
from purchases as p
left join bigs as b using (user_id)
group by p.user_id
