select * from (values (1, 'a', 10), (2, 'b', 20), (2, 'x', null), (4, null, 40)) t(id, status, amount)
