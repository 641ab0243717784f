-- rows far apart in time: only id 1 is in a window of the last days before the run's start
{{ config(event_time='ts') }}
select 1 as id, current_timestamp - interval '1 day' as ts
union all select 2, timestamp '2001-01-01 00:00:00'
union all select 3, current_timestamp + interval '2 day'
