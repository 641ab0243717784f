{#- BigQuery: a triple-quoted literal (descriptions span lines), backslash escapes -#}
{% macro q(text) -%}'''{{ text | replace("\\", "\\\\") | replace("'", "\\'") }}'''{%- endmacro %}
