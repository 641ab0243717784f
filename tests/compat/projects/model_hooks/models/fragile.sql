{{ config(
    pre_hook=[
        {"sql": log_event('outside pre fragile'), "transaction": false},
        log_event('inside pre fragile'),
    ],
) }}
select id, {{ "'fixed'" if var('fix') else "cast('broken' as integer)" }} as state
from {{ ref('first') }}
