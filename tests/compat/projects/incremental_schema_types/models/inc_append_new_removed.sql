{{ config(unique_key='id', on_schema_change='append_new_columns') }}
-- from batch 2 on `batch` is gone (left NULL in new rows) and `amount` is new
select id, label{% if var('batch') | int >= 2 %}, amount{% else %}, batch{% endif %} from {{ ref('source_rows') }}
