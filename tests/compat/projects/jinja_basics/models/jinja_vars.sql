select
    '{{ var("greeting") }}' as greeting,
    '{{ var("overridden") }}' as overridden,
    '{{ var("cli_only") }}' as cli_only,
    '{{ var("missing_var", "default for a missing var") }}' as missing_var,
    {{ var("nums") | sum }} as nums_sum,
    '{{ var("nested")["key"] }}' as nested_key,
    {{ var("nested").flag }} as nested_flag,
    '{{ env_var("COMPAT_ENV_SET") }}' as env_set,
    '{{ env_var("COMPAT_ENV_UNSET", "env default") }}' as env_default
