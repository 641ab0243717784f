Text outside snapshot blocks is ignored, as in dbt.

{% snapshot orders_ts %}
{{ config(target_schema=target.schema ~ '_snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at') }}
select * from {{ ref('src_orders') }}
{% endsnapshot %}

{% snapshot orders_by_region %}
{{
    config(
        schema='snaps',
        unique_key=['id', 'region'],
        strategy='timestamp',
        updated_at='updated_at',
        dbt_valid_to_current="timestamp '9999-12-31 00:00:00'",
    )
}}
{#- Jinja in the body: a loop and a comment -#}
select {% for c in ['id', 'region', 'status', 'updated_at'] %}{{ c }}{{ ', ' if not loop.last }}{% endfor %}
from {{ ref('src_orders') }}
{% endsnapshot %}
