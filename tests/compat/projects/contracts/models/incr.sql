{{ config(materialized='incremental', on_schema_change='append_new_columns', unique_key='id') }}
select {{ var('batch') }} as id, 'b{{ var("batch") }}' as label
