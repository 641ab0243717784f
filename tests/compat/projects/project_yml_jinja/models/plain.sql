select count(*) as n from {{ ref('codes') }}
