{#- What must hold of a check snapshot's time-stamped columns, as comparable values. -#}
{% macro shape(snapshot, deleted=false) -%}
select
    id,
    status,
    {% if deleted %}dbt_is_deleted,{% endif %}
    row_number() over (partition by id order by dbt_valid_from{% if deleted %}, dbt_is_deleted{% endif %}) as version,
    dbt_valid_to is null as is_current,
    dbt_valid_from = dbt_updated_at as from_is_updated_at,
    dbt_valid_from <= now()::timestamp as from_not_in_future,
    dbt_valid_to = lead(dbt_valid_from) over (partition by id order by dbt_valid_from{% if deleted %}, dbt_is_deleted{% endif %}) as closed_when_next_opened,
    dbt_scd_id = md5(coalesce(cast(id as varchar), '') || '|' || coalesce(cast(dbt_updated_at as varchar), '')) as scd_id_is_key_and_time,
    dense_rank() over (order by dbt_valid_from) as run_number,
    pg_typeof(dbt_valid_from)::text as valid_from_type,
    pg_typeof(dbt_valid_to)::text as valid_to_type
from {{ ref(snapshot) }}
{%- endmacro %}
