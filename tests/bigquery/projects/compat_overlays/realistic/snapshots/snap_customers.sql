{% snapshot snap_customers %}
{{ config(unique_key='customer_id', strategy='timestamp', updated_at='updated_at', target_schema=target.schema ~ '_snapshots') }}
select * from {{ ref('raw_customers') }}
{% endsnapshot %}
