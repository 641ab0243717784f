{{ config(unique_key='id', on_schema_change='fail') }}
-- from batch 2 on the model has one more column, and on_schema_change=fail makes the model fail
select id, batch{% if var('batch') | int >= 2 %}, label as added_later{% endif %} from {{ ref('source_rows') }}
