-- the "loaded" table the sources point at; timestamps are relative to now() so that the
-- freshness statuses are the same for dbt and dagwright (and from one day to the next)
{{ config(schema='raw', alias='events') }}
select 1 as id, 'a' as kind, 1 as customer_id, timestamp_sub(current_timestamp(), interval 10 minute) as loaded_at,
       datetime(timestamp_sub(current_timestamp(), interval 3 hour)) as loaded_naive
union all select 2, 'b', 2, timestamp_sub(current_timestamp(), interval 2 day), datetime(timestamp_sub(current_timestamp(), interval 2 day))
union all select 3, 'b', 9, timestamp_sub(current_timestamp(), interval 3 day), datetime(timestamp_sub(current_timestamp(), interval 3 day))
union all select 4, null, 3, timestamp_sub(current_timestamp(), interval 4 day), datetime(timestamp_sub(current_timestamp(), interval 4 day))
