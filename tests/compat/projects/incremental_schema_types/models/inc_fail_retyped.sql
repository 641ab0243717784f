{{ config(unique_key='id', on_schema_change='fail') }}
select id, {% if var('batch') | int >= 2 %}batch::bigint{% else %}batch{% endif %} as batch from {{ ref('source_rows') }}
