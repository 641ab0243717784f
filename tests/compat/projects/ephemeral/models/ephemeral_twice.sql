-- the same ephemeral referenced twice in one model, and a recursive-free self join
select a.user_id, a.amount as first_amount, b.amount as second_amount
from {{ ref('eph_purchases') }} as a
join {{ ref('eph_purchases') }} as b on a.user_id = b.user_id and a.amount > b.amount
