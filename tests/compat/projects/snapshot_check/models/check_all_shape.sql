{{ config(materialized='table') }}
{{ shape('orders_check_all', deleted=true) }}
