{% snapshot codes_snapshot %}
{{ config(
    target_schema=target.schema,
    unique_key='code',
    strategy='check',
    check_cols=['label'],
    post_hook="{{ log_count(this, 'snapshot post') }}",
) }}
select * from {{ ref('codes') }}
{% endsnapshot %}
