-- depends_on: {{ ref('raw_orders_seed') }}
{%- if execute -%}
    {%- set me = graph.nodes['model.docs_blocks.described'] -%}
    {%- set src = graph.sources['source.docs_blocks.shop.raw_orders'] -%}
{%- endif %}
select
    1 as customer_id,
    'x' as plain,
    {{ q(me.description) if execute else "''" }} as model_description,
    {{ q(me.columns['customer_id'].description) if execute else "''" }} as column_description,
    {{ q(me.columns['plain'].description) if execute else "''" }} as plain_description,
    {{ q(src.description) if execute else "''" }} as source_table_description,
    {{ q(src.source_description) if execute else "''" }} as source_description,
    {{ q(src.columns['customer_id'].description) if execute else "''" }} as source_column_description
