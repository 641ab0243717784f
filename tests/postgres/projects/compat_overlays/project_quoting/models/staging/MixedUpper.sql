select * from {{ ref('stage_model') }}
