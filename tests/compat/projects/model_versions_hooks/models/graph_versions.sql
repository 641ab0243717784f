-- what the graph variable says about each version
{% set rows = [] %}
{% if execute %}
{% for node in graph.nodes.values() | selectattr("name", "equalto", "orders") | sort(attribute="unique_id") %}
  {% do rows.append("select '" ~ node.unique_id ~ "' as unique_id, '" ~ node.version ~ "' as version, '"
       ~ node.latest_version ~ "' as latest_version, '" ~ node.alias ~ "' as alias, '" ~ node.fqn | join('.') ~ "' as fqn") %}
{% endfor %}
{% endif %}
{{ rows | join(' union all ') if rows else "select 1 as unique_id" }}
