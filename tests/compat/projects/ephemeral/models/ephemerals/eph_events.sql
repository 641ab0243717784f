select event_id, user_id, kind, amount from {{ ref('events') }} where kind <> 'refund'
