select event_id, kind, customer_id, occurred_at from {{ source('events', 'raw_events') }}
