{% snapshot orders_check_list %}
    {{ config(check_cols=['status', 'amount'], invalidate_hard_deletes=True) }}
    select id, region, status, amount from {{ ref('src_orders') }}
{% endsnapshot %}

{% snapshot orders_check_all %}
    {{ config(check_cols='all', hard_deletes='new_record') }}
    select * from {{ ref('src_orders') }}
{% endsnapshot %}

{% snapshot orders_check_ts %}
    {{ config(check_cols=['status'], updated_at='updated_at', hard_deletes='invalidate', target_schema=target.schema ~ '_history') }}
    select id, status, updated_at from {{ ref('src_orders') }}
{% endsnapshot %}
