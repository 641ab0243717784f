{{ config(severity='warn') }}
select * from {{ ref('orders') }} where cust > 30
