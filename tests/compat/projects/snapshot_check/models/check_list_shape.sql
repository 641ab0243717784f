{{ config(materialized='table') }}
{{ shape('orders_check_list') }}
