{{ config(materialized='table') }}
{#- tests/compat/projects/_shared/snapshot_orders/models/src_orders.sql in BigQuery's SQL -#}
{%- set b = var('batch') | int %}
{%- if b == 1 %}
select * from unnest([
    struct(1 as id, 'eu' as region, 'new' as status, timestamp '2024-01-01 10:00:00' as updated_at, numeric '10.50' as amount),
    (2, 'us', 'new', timestamp '2024-01-01 11:00:00', numeric '20.00'),
    (3, 'eu', 'new', timestamp '2024-01-01 12:00:00', numeric '30.25')
])
{%- elif b == 2 %}
select * from unnest([
    struct(1 as id, 'eu' as region, 'shipped' as status, timestamp '2024-01-02 09:30:00' as updated_at, numeric '10.50' as amount),
    (2, 'us', 'new', timestamp '2024-01-01 11:00:00', numeric '20.00'),
    (4, 'us', 'new', timestamp '2024-01-02 08:00:00', numeric '40.00')
])
{%- else %}
select *, concat('note ', cast(id as string)) as note from unnest([
    struct(1 as id, 'eu' as region, 'delivered' as status, timestamp '2024-01-03 14:15:16.123456' as updated_at, numeric '10.50' as amount),
    (2, 'us', 'cancelled', timestamp '2024-01-01 11:00:00', numeric '0.00'),
    (3, 'eu', 'new', timestamp '2024-01-03 00:00:00', numeric '30.25'),
    (4, 'us', 'new', timestamp '2024-01-02 08:00:00', numeric '40.00')
])
{%- endif %}
