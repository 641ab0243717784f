-- date_spine runs a query at compile time (get_intervals_between) through the statement macro
with spine as (
    {{ dbt.date_spine('day', "cast('2024-01-01' as date)", "cast('2024-01-08' as date)") }}
),
numbers as (
    {{ dbt.generate_series(5) }}
)
select
    (select count(*) from spine) as days,
    (select min(date_day) from spine) as first_day,
    (select max(date_day) from spine) as last_day,
    (select sum(generated_number) from numbers) as series_sum,
    {{ dbt.get_powers_of_two(9) }} as powers
