{{ config(incremental_strategy='merge', unique_key='id', on_schema_change='sync_all_columns') }}
select id, {% if var('batch') | int >= 2 %}label{% else %}batch{% endif %} from {{ ref('source_rows') }}
