{# found before the package's own implementation: the root project comes first in dispatch's search order #}
{% macro default__to_cents(column) -%}
    cast(round({{ column }} * 100) as integer)
{%- endmacro %}
