select * from (values
    (1, 'one', 1.5, date '2024-01-01', true),
    (2, 'two', 2.25, date '2024-02-01', false),
    (3, 'three', null, null, null)
) as t(id, label, amount, day, flag)
