select * from {{ ref(var('reader_source')) }}
