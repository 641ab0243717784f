{{ config(unique_key='id', on_schema_change='sync_all_columns') }}
-- from batch 2 on: `batch` is gone and `label` is new
select id, {% if var('batch') | int >= 2 %}label{% else %}batch{% endif %} from {{ ref('source_rows') }}
