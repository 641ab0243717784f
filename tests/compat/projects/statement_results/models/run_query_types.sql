{%- set result = run_query("select id, label, amount, day, flag from " ~ ref('base_rows') ~ " order by id") -%}
{%- if execute -%}
    {%- set ids = result.columns[0].values() -%}
    {%- set amounts = result.columns['amount'].values() -%}
{%- endif %}
select
    '{{ ids | join(",") if execute else "" }}' as ids,
    '{{ amounts | join(",") if execute else "" }}' as amounts,
    '{{ rows_as_text(result) if execute else "" }}' as rows_text,
    '{{ (result.rows[1] | list | string | replace("'", "")) if execute else "" }}' as second_row,
    '{{ result.rows[0]["label"] if execute else "" }}' as by_name,
    {{ (result | length) if execute else 0 }} as length,
    {{ (ids | sum) if execute else 0 }} as id_sum
