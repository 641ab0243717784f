select 3 as v
