{{ config(materialized="incremental") }}

select
    '{{ var("cli_only") }}' as run_label,
    {{ is_incremental() }} as is_incremental_rendered,
    {% if is_incremental() -%}
    (select count(*) from {{ this }}) as rows_before
    {%- else -%}
    -1 as rows_before
    {%- endif %}
