{{ config(post_hook={"sql": "{{ log_count(this, 'after commit') }}", "transaction": false}) }}
select * from {{ ref('counted') }}
