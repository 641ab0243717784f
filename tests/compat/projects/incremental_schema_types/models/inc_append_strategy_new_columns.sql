{{ config(incremental_strategy='append', on_schema_change='append_new_columns') }}
select id{% if var('batch') | int >= 2 %}, label{% endif %} from {{ ref('source_rows') }}
