{#- relation names as dbt renders them under the project's quoting (see compat.yml) -#}
select
  '{{ this }}' as this_name,
  '{{ ref("mixed_case") }}' as ref_name,
  '{{ ref("stage_model") }}' as stage_name,
  '{{ ref("seed_one") }}' as seed_name,
  '{{ source("raw", "quoted_table") }}' as source_quoted,
  '{{ source("raw", "plain_table") }}' as source_plain,
  '{{ source("raw_default", "codes") }}' as source_default,
  '{{ api.Relation.create(database=this.database, schema=this.schema, identifier="Abc") }}' as api_name,
  '{{ api.Relation.create(database=this.database, schema=this.schema, identifier="Abc", quote_policy={"identifier": true}) }}' as api_quoted,
  '{{ this.quote(identifier=true) }}' as this_quoted,
  '{{ this.include(database=false) }}' as this_without_database,
  '{{ adapter.quote_as_configured("Abc", "identifier") }}' as configured_identifier,
  '{{ adapter.quote_as_configured("Abc", "database") }}' as configured_database,
  '{{ this.quote_policy.identifier }}/{{ this.quote_policy["database"] }}' as policy
