-- dbt's cross-database macros, dispatched to their DuckDB versions
select
    {{ dbt.dateadd('day', 1, "date '2024-01-31'") }} as next_day,
    {{ dbt.datediff("date '2024-01-01'", "date '2024-03-01'", 'day') }} as days,
    cast('a' as {{ dbt.type_string() }}) as typed_string,
    {{ dbt.concat(["'a'", "'b'"]) }} as concatenated,
    {{ dbt.hash("'a'") }} as hashed,
    {{ dbt.safe_cast("'12'", api.Column.translate_type("integer")) }} as safe_cast,
    {{ dbt.current_timestamp() }} is not null as has_now
