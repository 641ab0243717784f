-- data tests are not sampled: events has its 7 rows here
select count(*) as n from {{ ref('events') }} having count(*) <> 7
