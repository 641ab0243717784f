with v as (
    select * from unnest([
        struct(1 as n, 'b' as s, true as flag), struct(2, 'a', false), struct(3, 'c', false)
    ])
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
