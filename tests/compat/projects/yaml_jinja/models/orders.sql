select 1 as id, null as note
union all select 2, 'x'
union all select 3, 'y'
