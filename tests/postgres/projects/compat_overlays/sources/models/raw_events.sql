-- the "loaded" table the sources point at; timestamps are relative to now() so that the
-- freshness statuses are the same for dbt and dagwright (and from one day to the next)
{{ config(schema='raw', alias='events') }}
select 1 as id, 'a' as kind, 1 as customer_id, now() - interval '10 minute' as loaded_at,
       (now() - interval '3 hour')::timestamp as loaded_naive
union all select 2, 'b', 2, now() - interval '2 day', (now() - interval '2 day')::timestamp
union all select 3, 'b', 9, now() - interval '3 day', (now() - interval '3 day')::timestamp
union all select 4, null, 3, now() - interval '4 day', (now() - interval '4 day')::timestamp
