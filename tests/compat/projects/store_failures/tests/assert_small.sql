{{ config(store_failures_as='table', severity=var('small_severity', 'error')) }}
select * from {{ ref('orders') }} where id > 1
