{% macro q(text) -%}'{{ text | replace("'", "''") }}'{%- endmacro %}
