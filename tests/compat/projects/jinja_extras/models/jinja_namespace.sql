{%- set ns = namespace(total=0, names=[]) -%}
{%- for n in range(5) -%}
    {%- set ns.total = ns.total + n -%}
    {%- do ns.names.append('n' ~ n) -%}
{%- endfor -%}
select {{ ns.total }} as total, '{{ ns.names | join(",") }}' as names
