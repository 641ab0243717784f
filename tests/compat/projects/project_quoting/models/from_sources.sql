select q.id, p.code, d.code as code_again
from {{ source('raw', 'quoted_table') }} q
join {{ source('raw', 'plain_table') }} p on p.id = q.id
join {{ source('raw_default', 'codes') }} d on d.id = q.id
