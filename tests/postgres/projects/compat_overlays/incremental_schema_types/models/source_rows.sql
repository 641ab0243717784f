{{ config(materialized='table') }}
-- batch 1: ids 1..3; batch 2: ids 2..5 (2 and 3 changed); batch 3: ids 5..6
{%- set b = var('batch') | int %}
select
    id,
    'batch {{ b }}' as label,
    id * 10 + {{ b }} as amount,
    {{ b }} as batch,
    (id % 2) as grp
from generate_series({{ {1: 1, 2: 2, 3: 5}[b] }}, {{ {1: 3, 2: 5, 3: 6}[b] }}) as t(id)
