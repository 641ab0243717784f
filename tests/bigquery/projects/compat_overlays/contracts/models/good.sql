select 1 as id, 'a' as name, cast(2.5 as numeric) as amount, date '2024-01-02' as d
