select id, {{ label() }} as label, {{ dbt.string_literal(dbt.type_string()) }} as type_name
from {{ ref('events') }}
where {{ window_filter('created_at') }}
