select * from {{ ref('swapped_table') }} where id = 2
