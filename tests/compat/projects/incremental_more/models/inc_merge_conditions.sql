{{ config(
    incremental_strategy='merge',
    unique_key='id',
    merge_update_condition='DBT_INTERNAL_SOURCE.id > 2',
    merge_insert_condition='DBT_INTERNAL_SOURCE.id < 5',
    merge_update_set_expressions={'amount': 'DBT_INTERNAL_DEST.amount + 1000'}
) }}
select id, label, amount from {{ ref('source_rows') }}
