{{ config(materialized='table') }}
{%- set b = var('batch') | int %}
{%- if b == 1 %}
select * from (values
    (1, 'eu', 'new', timestamp '2024-01-01 10:00:00', 10.50),
    (2, 'us', 'new', timestamp '2024-01-01 11:00:00', 20.00),
    (3, 'eu', 'new', timestamp '2024-01-01 12:00:00', 30.25)
) as t(id, region, status, updated_at, amount)
{%- elif b == 2 %}
select * from (values
    (1, 'eu', 'shipped', timestamp '2024-01-02 09:30:00', 10.50),
    (2, 'us', 'new', timestamp '2024-01-01 11:00:00', 20.00),
    (4, 'us', 'new', timestamp '2024-01-02 08:00:00', 40.00)
) as t(id, region, status, updated_at, amount)
{%- else %}
select *, 'note ' || id as note from (values
    (1, 'eu', 'delivered', timestamp '2024-01-03 14:15:16.123456', 10.50),
    (2, 'us', 'cancelled', timestamp '2024-01-01 11:00:00', 0.00),
    (3, 'eu', 'new', timestamp '2024-01-03 00:00:00', 30.25),
    (4, 'us', 'new', timestamp '2024-01-02 08:00:00', 40.00)
) as t(id, region, status, updated_at, amount)
{%- endif %}
