select (select sum(i) from {{ target.schema }}.numbers) as numbers_sum,
       (select count(*) from {{ target.schema }}.two_numbers) as two_count
