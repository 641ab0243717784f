{% test row_count_at_least(model, min) %}
select 1 from (select count(*) as c from {{ model }}) where c < {{ min }}
{% endtest %}
