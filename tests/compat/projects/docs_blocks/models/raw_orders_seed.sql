{{ config(alias='raw_orders') }}
select 1 as customer_id
