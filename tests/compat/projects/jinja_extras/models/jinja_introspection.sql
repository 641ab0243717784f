-- queries and adapter calls at execution time
{%- set cols = adapter.get_columns_in_relation(ref('jinja_namespace')) -%}
{%- if execute -%}
    {%- set answer = run_query("select 40 + 2 as answer").columns[0].values()[0] -%}
{%- else -%}
    {%- set answer = 0 -%}
{%- endif -%}
{%- call statement('seven', fetch_result=True) -%}
    select 7 as v
{%- endcall -%}
{%- set seven = load_result('seven')['data'][0][0] if execute else 0 %}
select
    {{ answer }} as run_query_answer,
    {{ seven }} as statement_result,
    '{{ cols | map(attribute="name") | join(",") }}' as columns_of_ref,
    1 as {{ adapter.quote('Quoted Column') }},
    '{{ api.Relation.create(database="d", schema="s", identifier="i") }}' as api_relation,
    {{ execute }} as executing
