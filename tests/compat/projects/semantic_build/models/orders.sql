select {{ 'null' if var('null_ids', false) else '1' }} as order_id, 10.0 as amount, date '2024-01-01' as ordered_at
{% if var('fail', false) %} from a_table_that_is_not_there {% endif %}
