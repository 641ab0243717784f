{{ config(
    pre_hook=["{{ log_hook(this.name, 'pre config 1') }}", "{{ log_hook(this.name, 'pre config 2') }}"],
    post_hook="{{ log_hook(this.name, 'post config') }}",
) }}
select n from {{ ref('base_numbers') }} where n <= 2
