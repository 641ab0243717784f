select * from unnest([
    struct(1 as id, 'one' as label, 1.5 as amount, date '2024-01-01' as day, true as flag),
    struct(2, 'two', 2.25, date '2024-02-01', false),
    struct(3, 'three', null, null, null)
])
