select 1 as v
