{{ config(incremental_strategy='merge', unique_key=['grp', 'batch']) }}
select grp, batch, count(*) as n, sum(amount) as amount from {{ ref('source_rows') }} group by grp, batch
