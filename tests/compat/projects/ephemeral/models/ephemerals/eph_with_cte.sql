-- an ephemeral with its own CTEs
with big as (
    select * from {{ ref('eph_purchases') }} where amount >= 20
)
select user_id, count(*) as big_purchases from big group by user_id
