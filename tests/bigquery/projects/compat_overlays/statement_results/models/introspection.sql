{%- set base = ref('base_rows') -%}
{%- set relation = adapter.get_relation(database=base.database, schema=base.schema, identifier=base.identifier) -%}
{%- set missing = adapter.get_relation(database=base.database, schema=base.schema, identifier='no_such_table') -%}
{%- set columns = adapter.get_columns_in_relation(base) -%}
{%- set loaded = load_relation(base) -%}
select
    '{{ relation.type if relation else "none" }}' as relation_type,
    '{{ relation.identifier if relation else "" }}' as relation_identifier,
    {{ missing is none }} as missing_is_none,
    '{{ columns | map(attribute="name") | join(",") }}' as column_names,
    '{{ columns | map(attribute="data_type") | join(",") }}' as column_types,
    '{{ columns | map(attribute="dtype") | join(",") }}' as column_dtypes,
    '{{ (loaded is not none) }}' as loaded,
    '{{ this.incorporate(path={"identifier": "other"}) }}' as incorporated,
    '{{ this.include(database=False) }}' as without_database,
    {{ adapter.quote("Mixed Case") }} is null as quoted_column
from (select null as {{ adapter.quote("Mixed Case") }}) as t
