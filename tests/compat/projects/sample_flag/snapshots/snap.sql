{% snapshot snap %}
{{ config(strategy='check', unique_key='id', check_cols='all', target_schema=target.schema) }}
select id, ts from {{ ref('events') }}
{% endsnapshot %}
