"""The names of dbt's global macro namespace (dbt-core 1.11's global project, with the
unprefixed macros of dbt-duckdb and dbt-postgres): a template that calls one that dagwright
does not define gets an error that says so, not Jinja's "'name' is undefined".

Only the names are listed here; dagwright's own macros of these names are in
``src/dagwright/macros/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dagwright.errors import CompilationError

_NAMES = """
    _split_part_negative after_commit alter_column_comment alter_column_type
    alter_relation_add_remove_columns alter_relation_comment any_value apply_grants array_append
    array_concat array_construct assert_columns_equivalent before_begin bool_or
    build_config_dict build_ref_function build_snapshot_staging_table build_snapshot_table
    build_source_function call_dcl_statements can_clone_table cast cast_bool_to_text
    check_for_schema_changes check_schema_exists check_time_data_types collect_freshness
    collect_freshness_custom_sql concat convert_datetime copy_grants create_columns
    create_csv_table create_indexes create_or_replace_clone create_or_replace_view create_schema
    create_table_as create_view_as current_timestamp current_timestamp_backcompat
    current_timestamp_in_utc_backcompat date date_spine date_trunc dateadd datediff
    dates_in_range default__alter_column_comment default__alter_column_type
    default__alter_relation_add_remove_columns default__alter_relation_comment
    default__any_value default__apply_grants default__array_append default__array_concat
    default__array_construct default__bool_or default__build_snapshot_table
    default__call_dcl_statements default__can_clone_table default__cast
    default__cast_bool_to_text default__check_for_schema_changes default__check_schema_exists
    default__collect_freshness default__collect_freshness_custom_sql default__concat
    default__copy_grants default__create_columns default__create_csv_table
    default__create_indexes default__create_or_replace_clone default__create_schema
    default__create_table_as default__create_view_as default__current_timestamp
    default__current_timestamp_backcompat default__current_timestamp_in_utc_backcompat
    default__date default__date_spine default__date_trunc default__dateadd default__datediff
    default__diff_column_data_types default__drop_materialized_view default__drop_relation
    default__drop_schema default__drop_schema_named default__drop_table default__drop_view
    default__equals default__escape_single_quotes default__except default__flight_name
    default__format_column default__formatted_scalar_function_args_javascript
    default__formatted_scalar_function_args_sql default__function_execute_build_sql
    default__generate_alias_name default__generate_database_name
    default__generate_latest_version_pointer_alias default__generate_schema_name
    default__generate_series default__get_aggregate_function_create_replace_signature
    default__get_aggregate_function_volatility_specifier
    default__get_alter_materialized_view_as_sql default__get_assert_columns_equivalent
    default__get_batch_size default__get_binding_char default__get_catalog
    default__get_catalog_for_single_relation default__get_catalog_relations
    default__get_column_names default__get_columns_in_query default__get_columns_in_relation
    default__get_create_backup_sql default__get_create_index_sql
    default__get_create_intermediate_sql default__get_create_materialized_view_as_sql
    default__get_create_sql default__get_create_table_as_sql default__get_create_view_as_sql
    default__get_csv_sql default__get_dcl_statement_list default__get_delete_insert_merge_sql
    default__get_drop_backup_sql default__get_drop_index_sql default__get_drop_sql
    default__get_empty_schema_sql default__get_empty_subquery_sql
    default__get_formatted_aggregate_function_args default__get_function_language_specifier
    default__get_function_python_options default__get_grant_sql
    default__get_incremental_append_sql default__get_incremental_default_sql
    default__get_incremental_delete_insert_sql default__get_incremental_insert_overwrite_sql
    default__get_incremental_merge_sql default__get_incremental_microbatch_sql
    default__get_insert_overwrite_merge_sql default__get_intervals_between
    default__get_limit_sql default__get_materialized_view_configuration_changes
    default__get_merge_sql default__get_merge_unique_key_match default__get_merge_update_columns
    default__get_or_create_relation default__get_powers_of_two
    default__get_relation_last_modified default__get_relations
    default__get_rename_intermediate_sql default__get_rename_materialized_view_sql
    default__get_rename_sql default__get_rename_table_sql default__get_rename_view_sql
    default__get_replace_materialized_view_sql default__get_replace_sql
    default__get_replace_table_sql default__get_replace_view_sql default__get_revoke_sql
    default__get_select_subquery default__get_show_grant_sql default__get_show_indexes_sql
    default__get_table_columns_and_constraints default__get_test_sql default__get_true_sql
    default__get_unit_test_sql default__get_where_subquery default__handle_existing_table
    default__hash default__information_schema_name default__intersect default__last_day
    default__length default__list_function_relations_without_caching
    default__list_relations_without_caching default__list_schemas default__listagg
    default__load_csv_rows default__make_backup_relation default__make_intermediate_relation
    default__make_temp_relation default__persist_docs default__position default__post_snapshot
    default__process_schema_changes default__refresh_materialized_view default__rename_relation
    default__replace default__reset_csv_table default__resolve_model_name default__right
    default__safe_cast default__scalar_function_body_sql
    default__scalar_function_create_replace_signature_sql default__scalar_function_sql
    default__scalar_function_volatility_javascript default__scalar_function_volatility_sql
    default__snapshot_get_time default__snapshot_hash_arguments default__snapshot_merge_sql
    default__snapshot_staging_table default__snapshot_string_as_time default__split_part
    default__string_literal default__support_multiple_grantees_per_dcl_statement
    default__sync_column_schemas default__test_accepted_values default__test_not_null
    default__test_relationships default__test_unique default__truncate_relation
    default__type_bigint default__type_boolean default__type_float default__type_int
    default__type_numeric default__type_string default__type_timestamp
    default__unsupported_volatility_warning default__validate_fixture_rows default__validate_sql
    default_last_day diff_column_data_types diff_columns drop_foreign_key_dependents
    drop_indexes_on_relation drop_materialized_view drop_relation drop_relation_for_rebuild
    drop_relation_if_exists drop_schema drop_schema_named drop_table drop_view
    duckdb_escape_comment enforced_constraint_types equals escape_single_quotes except
    existing_constraint_types external_location flight_name format_columns format_row
    formatted_scalar_function_args_javascript formatted_scalar_function_args_sql
    function_execute_build_sql generate_alias_name generate_database_name
    generate_latest_version_pointer_alias generate_schema_name generate_schema_name_for_env
    generate_series get_aggregate_function_create_replace_signature
    get_aggregate_function_volatility_specifier get_alter_materialized_view_as_sql
    get_assert_columns_equivalent get_batch_size get_binding_char get_catalog
    get_catalog_for_single_relation get_catalog_relations get_column_names
    get_column_schema_from_query get_columns_in_query get_columns_in_relation
    get_create_backup_sql get_create_index_sql get_create_intermediate_sql
    get_create_materialized_view_as_sql get_create_sql get_create_table_as_sql
    get_create_view_as_sql get_csv_sql get_dbt_valid_to_current get_dcl_statement_list
    get_delete_insert_merge_sql get_drop_backup_sql get_drop_index_sql get_drop_sql
    get_empty_schema_sql get_empty_subquery_sql get_expected_sql get_fixture_sql
    get_formatted_aggregate_function_args get_function_language_specifier
    get_function_python_options get_grant_sql get_incremental_append_sql
    get_incremental_default_sql get_incremental_delete_insert_sql
    get_incremental_insert_overwrite_sql get_incremental_merge_sql
    get_incremental_microbatch_sql get_insert_into_sql get_insert_overwrite_merge_sql
    get_intervals_between get_limit_subquery_sql get_list_of_column_names
    get_materialized_view_configuration_changes get_merge_sql get_merge_unique_key_match
    get_merge_update_columns get_or_create_relation get_powers_of_two get_quoted_csv
    get_relation_last_modified get_relations get_rename_intermediate_sql
    get_rename_materialized_view_sql get_rename_sql get_rename_table_sql get_rename_view_sql
    get_replace_materialized_view_sql get_replace_sql get_replace_table_sql get_replace_view_sql
    get_revoke_sql get_seed_column_quoted_csv get_select_subquery get_show_grant_sql
    get_show_indexes_sql get_show_sql get_snapshot_get_time_data_type
    get_snapshot_table_column_names get_table_columns_and_constraints get_test_sql get_true_sql
    get_unit_test_sql get_updated_at_column_data_type get_where_subquery handle_existing_table
    has_foreign_key_constraints hash in_transaction incremental_validate_on_schema_change
    information_schema_name intersect is_core_v2 is_incremental last_day length
    list_function_relations_without_caching list_relations_without_caching list_schemas listagg
    load_cached_relation load_csv_rows load_relation location_exists make_backup_relation
    make_hook_config make_intermediate_relation make_temp_relation
    materialized_view_execute_build_sql materialized_view_execute_no_op
    materialized_view_get_build_sql materialized_view_setup materialized_view_teardown
    may_be_foreign_key_target merge_clause_defaults noop_statement
    normalize_incremental_predicates normalize_string_or_list partition_range persist_docs
    position post_snapshot postgres_escape_comment postgres_get_relations process_schema_changes
    py_current_timestring py_script_comment py_script_postfix py_write_table
    refresh_materialized_view register_upstream_external_models rename_relation
    render_write_options replace reset_csv_table resolve_model_name
    restore_foreign_key_dependents right run_hooks run_query safe_cast scalar_function_body_sql
    scalar_function_create_replace_signature_sql scalar_function_sql
    scalar_function_volatility_javascript scalar_function_volatility_sql set_sql_header
    should_full_refresh should_revoke should_store_failures
    snapshot_check_all_get_existing_columns snapshot_check_strategy snapshot_get_time
    snapshot_hash_arguments snapshot_merge_sql snapshot_staging_table snapshot_string_as_time
    snapshot_timestamp_strategy split_part sql_convert_columns_in_relation statement
    store_relation strategy_dispatch string_literal support_multiple_grantees_per_dcl_statement
    sync_column_schemas table_columns_and_constraints truncate_relation type_bigint type_boolean
    type_float type_int type_numeric type_string type_timestamp unique_key_fields
    unique_key_is_not_null unique_key_is_null unique_key_join_on unsupported_volatility_warning
    validate_dict_field validate_doc_columns validate_ducklake_restrictions
    validate_fixture_rows validate_merge_clause_list validate_merge_clauses
    validate_merge_config validate_sql validate_string_field validate_string_list_field
    write_to_file
"""

DBT_GLOBAL_MACROS = frozenset(_NAMES.split())


def unsupported_dbt_macro(name: str) -> Callable[..., Any]:
    """What a template gets for a dbt macro dagwright does not define: calling it fails, naming it."""

    def unsupported(*args: Any, **kwargs: Any) -> Any:
        raise CompilationError(
            f"dbt's built-in macro '{name}' is not supported by dagwright yet",
            hint="define a macro of that name in the project's macro-paths to use your own",
        )

    unsupported.__name__ = name
    return unsupported
