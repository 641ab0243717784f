{{ config(
    materialized='incremental',
    pre_hook="{{ log_count_if_exists(this, 'inc pre') }}",
    post_hook=["{{ add_row(this, 100 + var('batch')) }}", "{{ log_count(this, 'inc post') }}"],
) }}
select {{ var('batch') }} as id
