{{ config(materialized='table') }}
-- batch 1: ids 1..3; batch 2: ids 2..5 (2 and 3 changed); batch 3: ids 5..6
-- (Spark: range() names its column id and takes no column alias list)
{%- set b = var('batch') | int %}
select
    id,
    'batch {{ b }}' as label,
    id * 10 + {{ b }} as amount,
    {{ b }} as batch,
    (id % 2) as grp
from range({{ {1: 1, 2: 2, 3: 5}[b] }}, {{ {1: 4, 2: 6, 3: 7}[b] }})
