{% macro create_latest_version_view() %}
    {% if model.get('version') and model.get('version') == model.get('latest_version') %}
        {% set pointer = this.incorporate(path={"identifier": model['name']}) %}
        create or replace view {{ pointer }} as select * from {{ this }}
    {% else %}
        select 1
    {% endif %}
{% endmacro %}
