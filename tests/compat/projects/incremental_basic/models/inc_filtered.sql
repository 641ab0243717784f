{{ config(unique_key='id') }}
-- the usual pattern: only rows newer than what the table already has
select id, label, batch from {{ ref('source_rows') }}
{% if is_incremental() %}
where id > (select coalesce(max(id), 0) from {{ this }})
{% endif %}
