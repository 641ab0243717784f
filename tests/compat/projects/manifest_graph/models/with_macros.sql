select {{ one() }} as id, {{ dispatched() }} as two, cast('x' as {{ dbt.type_string() }}) as s, {{ dbt.current_timestamp() }} as ts
from {{ ref('base') }}
