select 1 as id union all select {{ var('bad_id') }}
