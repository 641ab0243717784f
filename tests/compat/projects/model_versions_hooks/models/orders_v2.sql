select 1 as id, 10 as amount, 'eur' as currency, true as paid
