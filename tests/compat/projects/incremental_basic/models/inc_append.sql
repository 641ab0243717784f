-- no unique_key: every run appends its rows
select id, label, batch from {{ ref('source_rows') }}
