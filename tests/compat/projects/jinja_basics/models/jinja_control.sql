{#- comments render to nothing: {{ this_would_fail() }} -#}
{%- set colors = ["red", "green", "blue"] -%}
{%- set threshold = 2 -%}
{%- set block_text -%}
    set with a block
{%- endset -%}
select
{%- for color in colors %}
    '{{ color }}' as color_{{ loop.index }},
{%- endfor %}
{%- if threshold > 1 %}
    'above' as threshold_check,
{%- elif threshold == 1 %}
    'equal' as threshold_check,
{%- else %}
    'below' as threshold_check,
{%- endif %}
    '{{ block_text }}' as block_text,
    '{% for x in [1, 2] %} {{ x }} {% endfor %}' as spaces_kept,
    '{%- for x in [1, 2] -%} {{ x }} {%- endfor -%}' as spaces_trimmed,
    '{% if true %}
kept newlines
{% endif %}' as newlines,
    '{{ "MiXeD" | lower }}|{{ "x" | upper }}|{{ [3, 1, 2] | sort | join(",") }}|{{ "a,b" | replace(",", ";") }}' as filters,
    '{{ colors | length }}{{ " items" if colors else "" }}' as inline_if,
    '{{ {"b": 1, "a": [1, 2]} | tojson }}' as to_json,
    {{ fromjson('{"k": 42}')["k"] }} as from_json
