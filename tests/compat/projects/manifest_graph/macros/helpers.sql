{% macro one() %}{{ inner_one() }}{% endmacro %}
{% macro inner_one() %}1{% endmacro %}
{% macro start_statement() %}select {{ inner_one() }}{% endmacro %}
{% macro hook_statement() %}select {{ one() }}{% endmacro %}
{% macro allowed_ids() %}{{ return([1, 2]) }}{% endmacro %}
{% macro dispatched() %}{{ return(adapter.dispatch('dispatched', 'manifest_graph')()) }}{% endmacro %}
{% macro default__dispatched() %}2{% endmacro %}
