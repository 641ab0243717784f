select cast(null as integer) as id
