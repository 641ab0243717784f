select * from {{ ref('base') }} where id > 1
