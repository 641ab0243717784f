-- an ephemeral that references another ephemeral
select user_id, amount from {{ ref('eph_events') }} where kind = 'buy'
