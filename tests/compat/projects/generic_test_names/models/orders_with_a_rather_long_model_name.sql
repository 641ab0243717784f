select 1 as id, 'x' as a_rather_long_column_name_for_the_tests union all
select 2, 'x' union all
select 3, null
