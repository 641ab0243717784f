-- no ref to customers: the foreign key's `to` makes it a parent (built first)
select 10 as order_id, 1 as customer_id union all select 11, 2
