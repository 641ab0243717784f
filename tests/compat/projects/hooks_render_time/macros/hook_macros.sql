{% macro add_row(relation, value) %}
  {% if execute %}
    {% do run_query('insert into ' ~ relation ~ ' values (' ~ value ~ ')') %}
  {% endif %}
{% endmacro %}

{# the hook's SQL: an insert of the row count its query sees when the hook is rendered #}
{% macro log_count(relation, label) %}
  {% if execute %}
    {% set n = run_query('select count(*) from ' ~ relation).columns[0].values()[0] %}
    insert into {{ target.schema }}.hook_log values ('{{ label }} batch {{ var("batch") }}', {{ n }})
  {% endif %}
{% endmacro %}

{% macro log_count_if_exists(relation, label) %}
  {% if execute %}
    {% set found = adapter.get_relation(relation.database, relation.schema, relation.identifier) %}
    {% if found is not none %}{{ log_count(relation, label) }}{% endif %}
  {% endif %}
{% endmacro %}
