{{ config(
    pre_hook=[
        before_begin(log_event('before begin first')),
        log_event('model pre first'),
    ],
    post_hook=[
        after_commit(log_event('after commit first')),
        {"sql": log_event('model post first'), "transaction": true},
    ],
) }}
select 1 as id
