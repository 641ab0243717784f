select * from (values (1, 'ann', 'NL'), (2, 'bob', 'DE'), (3, 'cy', 'NL')) as t(id, name, country)
