-- depends_on: {{ ref('raw_events') }}  (the source's table is built by that model)
select id, kind, customer_id from {{ source('raw', 'events') }}
