{%- set made = get_or_create_relation(this.database, this.schema, 'nothing_here', 'table') -%}
select
    '{{ generate_schema_name('x') }}' as schema_from_project,
    '{{ dbt.generate_schema_name('x') }}' as schema_from_dbt,
    '{{ default__generate_schema_name(none, model) }}' as default_schema,
    '{{ generate_schema_name_for_env('x', model) }}' as schema_for_env,
    '{{ generate_alias_name(none, model) }}' as alias_default,
    '{{ dbt.generate_alias_name(' custom ') }}' as alias_custom,
    '{{ default__generate_database_name(none, model) }}' as database_default,
    '{{ generate_database_name('other') }}' as database_custom,
    '{{ make_temp_relation(this).identifier.startswith('names__dbt_tmp') }}' as temp_identifier,
    '{{ make_temp_relation(this, '__scratch').identifier.startswith('names__scratch') }}' as scratch_identifier,
    '{{ make_temp_relation(this).schema is none or make_temp_relation(this).schema == '' }}' as temp_unqualified,
    '{{ make_backup_relation(this, 'view').identifier }}' as backup_identifier,
    '{{ made[0] }}' as existed,
    '{{ made[1].identifier }}' as made_identifier
