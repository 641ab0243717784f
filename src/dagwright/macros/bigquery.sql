{#- BigQuery's spelling of the dbt.* cross-database macros where the default one is not valid
    BigQuery SQL (or means something else there), rendering the SQL dbt-bigquery renders. -#}

{% macro bigquery__current_timestamp() -%}current_timestamp(){%- endmacro %}
{% macro bigquery__current_timestamp_backcompat() -%}current_timestamp{%- endmacro %}
{% macro bigquery__snapshot_get_time() -%}current_timestamp(){%- endmacro %}

{% macro bigquery__hash(field) -%}to_hex(md5(cast({{ field }} as {{ api.Column.translate_type('string') }}))){%- endmacro %}
{% macro bigquery__bool_or(expression) -%}logical_or({{ expression }}){%- endmacro %}
{% macro bigquery__date(year, month, day) -%}date({{ year }}, {{ month }}, {{ day }}){%- endmacro %}
{% macro bigquery__except() -%}except distinct{%- endmacro %}
{% macro bigquery__intersect() -%}intersect distinct{%- endmacro %}
{% macro bigquery__position(substring_text, string_text) -%}strpos({{ string_text }}, {{ substring_text }}){%- endmacro %}
{% macro bigquery__string_literal(value) -%}'''{{ value }}'''{%- endmacro %}

{#- a backslash escapes a quote in BigQuery string literals -#}
{% macro bigquery__escape_single_quotes(expression) -%}{{ expression | replace("'", "\\'") }}{%- endmacro %}

{% macro bigquery__date_trunc(datepart, date) -%}timestamp_trunc(cast({{ date }} as timestamp), {{ datepart }}){%- endmacro %}

{#- datetime arithmetic: both dates read as DATETIME, the part as BigQuery names it -#}
{% macro bigquery__dateadd(datepart, interval, from_date_or_timestamp) -%}
    datetime_add(cast({{ from_date_or_timestamp }} as datetime), interval {{ interval }} {{ datepart }})
{%- endmacro %}
{% macro bigquery__datediff(first_date, second_date, datepart) -%}
    datetime_diff(cast({{ second_date }} as datetime), cast({{ first_date }} as datetime), {{ datepart }})
{%- endmacro %}

{% macro bigquery__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    string_agg({{ measure }}, {{ delimiter_text }}
    {%- if order_by_clause %} {{ order_by_clause }}{% endif %}
    {%- if limit_num %} limit {{ limit_num }}{% endif %})
{%- endmacro %}

{#- substr from the end; a length of 0 is the empty string (substr(x, -0) would be all of x) -#}
{% macro bigquery__right(string_text, length_expression) -%}
    case when {{ length_expression }} = 0 then '' else substr({{ string_text }}, -1 * ({{ length_expression }})) end
{%- endmacro %}

{#- 1-based parts; a negative part counts from the end (the number of delimiters + 1 + part) -#}
{% macro bigquery__split_part(string_text, delimiter_text, part_number) -%}
    {%- if part_number >= 0 -%}
        split({{ string_text }}, {{ delimiter_text }})[safe_offset({{ part_number - 1 }})]
    {%- else -%}
        split({{ string_text }}, {{ delimiter_text }})[safe_offset(length({{ string_text }}) - length(replace({{ string_text }}, {{ delimiter_text }}, '')) + 1 + {{ part_number }})]
    {%- endif -%}
{%- endmacro %}

{% macro bigquery__array_construct(inputs, data_type) -%}
    {%- if inputs | length > 0 -%}[ {{ inputs | join(' , ') }} ]{%- else -%}ARRAY<{{ data_type }}>[]{%- endif -%}
{%- endmacro %}
{% macro bigquery__array_concat(array_1, array_2) -%}array_concat({{ array_1 }}, {{ array_2 }}){%- endmacro %}
{% macro bigquery__array_append(array, new_element) -%}{{ array_concat(array, array_construct([new_element])) }}{%- endmacro %}

{#- BigQuery casts no value to an array, a struct or a geography from a string: an array is cast
    element by element and gathered again; a struct or geography literal goes in unquoted;
    a mapping cast to json becomes a json literal (the values unit test fixtures give) -#}
{% macro bigquery__safe_cast(field, type) -%}
    {%- set lowered = type | lower -%}
    {%- set is_sequence = field is iterable and field is not string and field is not mapping -%}
    {%- if lowered.startswith('array') and is_sequence and field | length > 0 -%}
        {%- set element_type = type[6:-1] -%}
        {%- if _bigquery_literal_only(element_type) -%}
            (select array_agg(safe_cast(element as {{ element_type }})) from unnest([
            {%- for item in field %}{{ item | string | trim('"') | trim("'") }}{{ ', ' if not loop.last }}{% endfor -%}
            ]) as element)
        {%- else -%}
            (select array_agg(safe_cast(element as {{ element_type }})) from unnest({{ field }}) as element)
        {%- endif -%}
    {%- elif lowered == 'json' and field is mapping -%}
        safe_cast(json {{ dbt.string_literal(tojson(field)) }} as json)
    {%- elif _bigquery_literal_only(type) and field is string -%}
        safe_cast({{ field | trim('"') | trim("'") }} as {{ type }})
    {%- else -%}
        safe_cast({{ field }} as {{ type }})
    {%- endif -%}
{%- endmacro %}
{% macro _bigquery_literal_only(type) -%}
    {{- return((type | lower).startswith('struct') or (type | lower) == 'geography') -}}
{%- endmacro %}
{% macro bigquery__cast_bool_to_text(field) -%}cast({{ field }} as {{ api.Column.translate_type('string') }}){%- endmacro %}
