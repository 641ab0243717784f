{%- if execute -%}
  {%- set scratch = api.Relation.create(database=this.database, schema=this.schema, identifier='scratch_table') -%}
  {%- do run_query(create_table_as(false, scratch, 'select 42 as answer')) -%}
{%- endif -%}
select * from {{ this.schema }}.scratch_table
