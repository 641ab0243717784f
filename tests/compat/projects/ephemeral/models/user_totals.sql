-- uses two ephemerals, one of them nested
select e.user_id, count(*) as events, coalesce(sum(p.amount), 0) as spent
from {{ ref('eph_events') }} as e
left join (select user_id, sum(amount) as amount from {{ ref('eph_purchases') }} group by user_id) as p
    on p.user_id = e.user_id and e.kind = 'buy'
group by e.user_id
