select range::integer as id, 'n' || range as name, range % 2 as grp, (range * 1.5)::decimal(6, 2) as amount
from range(6)
