{#- What must hold of a check snapshot's time-stamped columns, as comparable values (BigQuery:
    dbt-bigquery's scd id is to_hex(md5(concat(...))); no typeof: the harness compares types). -#}
{% macro shape(snapshot, deleted=false) -%}
select
    id,
    status,
    {% if deleted %}dbt_is_deleted,{% endif %}
    row_number() over (partition by id order by dbt_valid_from{% if deleted %}, dbt_is_deleted{% endif %}) as version,
    dbt_valid_to is null as is_current,
    dbt_valid_from = dbt_updated_at as from_is_updated_at,
    dbt_valid_from <= current_timestamp() as from_not_in_future,
    dbt_valid_to = lead(dbt_valid_from) over (partition by id order by dbt_valid_from{% if deleted %}, dbt_is_deleted{% endif %}) as closed_when_next_opened,
    dbt_scd_id = to_hex(md5(concat(coalesce(cast(id as string), ''), '|', coalesce(cast(dbt_updated_at as string), '')))) as scd_id_is_key_and_time,
    dense_rank() over (order by dbt_valid_from) as run_number
from {{ ref(snapshot) }}
{%- endmacro %}
