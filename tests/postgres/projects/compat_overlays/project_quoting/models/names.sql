{#- as in the DuckDB case, without the database: each tool has a database of its own -#}
select
  '{{ this.include(database=false) }}' as this_name,
  '{{ ref("mixed_case").include(database=false) }}' as ref_name,
  '{{ ref("MixedUpper").include(database=false) }}' as mixed_name,
  '{{ ref("Seed_Two").include(database=false) }}' as seed_name,
  '{{ source("raw", "quoted_table").include(database=false) }}' as source_quoted,
  '{{ source("raw", "plain_table").include(database=false) }}' as source_plain,
  '{{ source("raw_default", "codes").include(database=false) }}' as source_default,
  '{{ api.Relation.create(schema=this.schema, identifier="Abc") }}' as api_name,
  '{{ api.Relation.create(schema=this.schema, identifier="Abc", quote_policy={"identifier": true}) }}' as api_quoted,
  '{{ this.quote(identifier=true).include(database=false) }}' as this_quoted,
  '{{ adapter.quote_as_configured("Abc", "identifier") }}' as configured_identifier,
  '{{ adapter.quote_as_configured("Abc", "database") }}' as configured_database,
  '{{ this.quote_policy.identifier }}/{{ this.quote_policy["database"] }}' as policy
