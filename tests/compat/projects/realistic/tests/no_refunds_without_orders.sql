select e.customer_id
from {{ ref('fct_events') }} e
where e.kind = 'refund'
  and not exists (select 1 from {{ ref('fct_events') }} o where o.kind = 'order' and o.customer_id = e.customer_id)
