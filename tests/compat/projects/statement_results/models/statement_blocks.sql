-- depends_on: {{ ref('base_rows') }}
{%- call statement('summary', fetch_result=True) -%}
    select count(*) as n, sum(id) as total, max(label) as top_label from {{ ref('base_rows') }}
{%- endcall -%}
{%- call statement('no_fetch') -%}
    select 1
{%- endcall -%}
{%- if execute -%}
    {%- set summary = load_result('summary') -%}
    {%- set data = summary['data'] -%}
    {%- set table = summary.table -%}
    {%- set nofetch = load_result('no_fetch') -%}
    {%- set again = load_result('never_stored') -%}
{%- endif %}
select
    {{ data[0][0] if execute else 0 }} as n,
    {{ data[0][1] if execute else 0 }} as total,
    '{{ table.columns['top_label'].values()[0] if execute else '' }}' as top_label,
    '{{ table.column_names | join(",") if execute else '' }}' as column_names,
    {{ table.rows | length if execute else 0 }} as row_count,
    {{ (nofetch['data'] | length) if execute else -1 }} as unfetched_rows,
    '{{ nofetch['response'] if execute else '' }}' as response_text,
    {{ (again is none) if execute else true }} as missing_is_none
