with v as (
    select * from (values (1, 'b', true), (2, 'a', false), (3, 'c', false)) as t(n, s, flag)
)
select
    {{ dbt.listagg('s', "','", 'order by s') }} as listed,
    {{ dbt.listagg('s', "'|'", 'order by n desc', 2) }} as listed_limited,
    {{ dbt.listagg('s') }} is not null as listed_default,
    {{ dbt.any_value('n') }} > 0 as any_positive,
    {{ dbt.bool_or('flag') }} as any_flag,
    count(*) as n_rows
from v
{{ dbt.except() }}
select 'x', 'y', false, false, false, 0
