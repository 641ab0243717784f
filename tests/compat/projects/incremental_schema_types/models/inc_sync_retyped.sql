{{ config(unique_key='id', on_schema_change='sync_all_columns') }}
{% if var('batch') | int >= 2 %}
select id, batch::varchar as batch, amount::bigint as amount, label from {{ ref('source_rows') }}
{% else %}
select id, batch::smallint as batch, amount::integer as amount, label from {{ ref('source_rows') }}
{% endif %}
