{#- what `graph` tells a package about this project, one row per member -#}
{%- set rows = [] -%}
{%- if execute -%}
  {%- for uid, n in graph.nodes.items() if n.package_name == 'manifest_graph' -%}
    {%- do rows.append([uid, n.resource_type, (n.depends_on.macros or []) | join(' '), (n.depends_on.nodes or []) | join(' '),
        n.get('access') or '', n.get('group') or '', n.config.get('group') or '', n.schema or '',
        (n.get('contract') or {}).get('enforced') ~ '/' ~ (n.get('contract') or {}).get('alias_types'),
        (n.get('constraints') or []) | map(attribute='type') | join(' ')]) -%}
  {%- endfor -%}
  {%- for uid, e in graph.exposures.items() -%}
    {%- do rows.append([uid, e.resource_type, e.type, e.depends_on.nodes | join(' '), e.owner.name or '', e.owner.email or '',
        e.tags | join(' '), e.url or '', e.maturity or '', e.label or '']) -%}
  {%- endfor -%}
  {%- for uid, g in graph.groups.items() -%}
    {%- do rows.append([uid, g.resource_type, g.name, '', g.owner.name or '', g.owner.email or '', g.description or '', '', '', '']) -%}
  {%- endfor -%}
{%- endif -%}
{%- for r in rows %}
select {% for v in r %}'{{ v }}' as c{{ loop.index }}{{ ', ' if not loop.last }}{% endfor %}
{{ 'union all' if not loop.last }}
{%- endfor %}
{%- if not rows %}
select {% for i in range(10) %}'' as c{{ i + 1 }}{{ ', ' if not loop.last }}{% endfor %} where false
{%- endif %}
