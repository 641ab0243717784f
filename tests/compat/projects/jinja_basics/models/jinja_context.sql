select
    '{{ run_started_at }}' as run_started_at,  -- differs per run: volatile in compat.yml
    '{{ this }}' as this_rendered,
    '{{ this.database }}' as this_database,
    '{{ this.schema }}' as this_schema,
    '{{ this.identifier }}' as this_identifier,
    '{{ this.name }}' as this_name,
    '{{ target.name }}' as target_name,
    '{{ target.schema }}' as target_schema,
    '{{ target.type }}' as target_type,
    {{ target.threads }} as target_threads,
    '{{ model.name }}' as model_name,
    '{{ model.unique_id }}' as model_unique_id,
    '{{ config.get("materialized") }}' as materialized,
    '{{ ref("jinja_vars") }}' as ref_rendered,
    (select greeting from {{ ref("jinja_vars") }}) as greeting_via_ref
