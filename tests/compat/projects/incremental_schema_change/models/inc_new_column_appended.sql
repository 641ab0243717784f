{{ config(unique_key='id', on_schema_change='append_new_columns') }}
select id, batch{% if var('batch') | int >= 2 %}, label as added_later{% endif %} from {{ ref('source_rows') }}
