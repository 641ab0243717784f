{% test at_most(model, column_name, limit_value) %}
select * from {{ model }} where {{ column_name }} > {{ limit_value }} + {{ one() }} - 1
{% endtest %}
