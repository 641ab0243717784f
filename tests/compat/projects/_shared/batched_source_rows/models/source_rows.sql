{{ config(materialized='table') }}
-- batch 1: ids 1..3; batch 2: ids 2..5 (2 and 3 changed); batch 3: ids 5..6
{%- set b = var('batch') | int %}
{%- set first, last = {1: (1, 3), 2: (2, 5), 3: (5, 6)}[b] %}
select
    id,
    'batch {{ b }}' as label,
    id * 10 + {{ b }} as amount,
    {{ b }} as batch,
    (id % 2) as grp
{#- Spark's range() names its column id and takes no column alias list #}
{%- if target.type == 'spark' %}
from range({{ first }}, {{ last + 1 }})
{%- else %}
from generate_series({{ first }}, {{ last }}) as t(id)
{%- endif %}
