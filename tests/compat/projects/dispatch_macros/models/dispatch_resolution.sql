select
    {{ label('x') }} as project_dispatch,
    {{ dispatch_macros.label('y') }} as via_namespace,
    {{ fallback('z') }} as default_only,
    {{ doubled(21) }} as returned_value,
    {{ dbt.concat(["'a'", "'b'", "'c'"]) }} as dbt_concat_overridden,
    {{ concat(["'d'", "'e'"]) }} as unqualified_concat,
    '{{ dbt.type_string() }}|{{ dbt.type_int() }}|{{ dbt.type_bigint() }}|{{ dbt.type_float() }}|{{ dbt.type_numeric() }}|{{ dbt.type_timestamp() }}|{{ dbt.type_boolean() }}' as type_names
