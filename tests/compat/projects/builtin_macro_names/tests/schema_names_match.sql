select * from {{ ref('names') }}
where schema_from_dbt != '{{ generate_schema_name('x') }}'
   or default_schema != '{{ default__generate_schema_name(none, model) }}'
