{{ config(materialized='incremental', post_hook="{{ hook_statement() }}") }}
select 1 as id
{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}
