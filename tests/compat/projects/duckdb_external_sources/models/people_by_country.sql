select p.country, count(*) as n, max(q.name) as last_name
from {{ source('files', 'people') }} as p
join {{ source('files', 'people_by_identifier') }} as q using (id)
group by 1
