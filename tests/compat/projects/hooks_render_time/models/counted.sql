{{ config(
    pre_hook="{{ log_count_if_exists(this, 'counted pre') }}",
    post_hook=["{{ add_row(this, 2) }}", "{{ log_count(this, 'counted post') }}"],
) }}
select 1 as id
