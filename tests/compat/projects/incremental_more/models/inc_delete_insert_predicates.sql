{{ config(incremental_strategy='delete+insert', unique_key='id', incremental_predicates=['id > 2']) }}
-- only target rows with id > 2 are replaced; id 2 ends up twice
select id, label, amount from {{ ref('source_rows') }}
