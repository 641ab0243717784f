select o.customer, sum(o.amount) as total, count(*) as n
from {{ source('files', 'orders') }} as o
join {{ source('files', 'orders_oldstyle') }} as p using (id)
group by 1
