select 1 as id, 'a' as name, 2.5 as amount
