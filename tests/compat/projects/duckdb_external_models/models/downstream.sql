{{ config(materialized='table') }}
select p.id, p.amount, c.name, j.grp, (select count(*) from {{ ref('x_part') }}) as parts,
    (select count(*) from {{ ref('x_empty') }}) as empties
from {{ ref('x_parquet') }} as p
join {{ ref('x_csv') }} as c using (id)
join {{ ref('x_json') }} as j using (id)
