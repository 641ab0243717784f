select p.id, p.doubled, a.label
from {{ ref('py_pandas') }} as p
join {{ ref('py_arrow') }} as a on a.id = p.id
