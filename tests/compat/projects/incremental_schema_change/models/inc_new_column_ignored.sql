{{ config(unique_key='id') }}
-- from batch 2 on the model has one more column; on_schema_change defaults to ignore
select id, batch{% if var('batch') | int >= 2 %}, label as added_later{% endif %} from {{ ref('source_rows') }}
