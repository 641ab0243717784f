{#- dbt-duckdb's macros for its external models (materialize/external.py builds them):
    where one writes its file, and the views a run creates over the files of the external
    models it does not build (call register_upstream_external_models() in on-run-start). -#}

{#- the default location of an external model: a file under external_root, or a folder when partitioned -#}
{% macro external_location(relation, config) -%}
  {%- set root = target.get('external_root') or '.' -%}
  {%- if (config.get('options') or {}).get('partition_by') is none -%}
    {{- root }}/{{ relation.identifier }}.{{ config.get('format') or 'parquet' }}
  {%- else -%}
    {{- root }}/{{ relation.identifier }}
  {%- endif -%}
{%- endmacro %}

{#- an external model's write options: its options config, with the legacy format and delimiter -#}
{% macro render_write_options(config) -%}
  {%- set written = dict(config.get('options') or {}) -%}
  {%- if config.get('format') -%}{%- do written.update({'format': config.get('format')}) -%}{%- endif -%}
  {%- if config.get('delimiter') -%}{%- do written.update({'delimiter': config.get('delimiter')}) -%}{%- endif -%}
  {{- return(written) -}}
{%- endmacro %}

{#- what a view reads back: the file, or a glob over the folder's partitions or per-thread files -#}
{% macro _dagwright_external_read_location(location, written) -%}
  {%- if written.get('partition_by') or written.get('per_thread_output') -%}
    {%- set depth = (written.get('partition_by') | string).split(',') | length if written.get('partition_by') else 0 -%}
    {{- location }}/*{{ '/*' * depth }}.{{ written.get('format', 'parquet') }}
  {%- else -%}
    {{- location -}}
  {%- endif -%}
{%- endmacro %}

{% macro register_upstream_external_models() -%}
{%- if execute -%}
  {%- set seen = {} -%}
  {%- set schemas = {} -%}
  {%- for unique_id in selected_resources if unique_id in graph['nodes'] -%}
    {%- for upstream_id in graph['nodes'][unique_id]['depends_on']['nodes'] -%}
      {%- if upstream_id not in seen and upstream_id not in selected_resources -%}
        {%- do seen.update({upstream_id: true}) -%}
        {%- set upstream = graph['nodes'].get(upstream_id) -%}
        {%- if upstream and upstream.resource_type in ('model', 'seed') and upstream.config.materialized == 'external' -%}
          {%- set relation = api.Relation.create(database=upstream['database'], schema=upstream['schema'], identifier=upstream['alias']) -%}
          {%- set location = upstream.config.get('location') or external_location(relation, upstream.config) -%}
          {%- set read_location = _dagwright_external_read_location(location, render_write_options(upstream.config)) -%}
          {%- if relation.schema not in schemas -%}
            {%- call statement('main', language='sql') -%}create schema if not exists {{ relation.without_identifier() }}{%- endcall -%}
            {%- do schemas.update({relation.schema: true}) -%}
          {%- endif -%}
          {%- call statement('main', language='sql') -%}
            create or replace view {{ relation }} as (select * from '{{ read_location }}')
          {%- endcall -%}
        {%- endif -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if schemas -%}{%- do adapter.commit() -%}{%- endif -%}
{%- endif -%}
{%- endmacro %}
