{{ config(
    materialized='swapped_table',
    pre_hook=["insert into {{ this.schema }}.hook_log values ('pre inside')", before_begin("insert into {{ this.schema }}.hook_log values ('pre outside')")],
    post_hook=["insert into {{ this.schema }}.hook_log values ('post inside ' || (select count(*) from {{ this }}))", after_commit("insert into {{ this.schema }}.hook_log values ('post outside')")]
) }}
select 1 as id, 'a' as label union all select 2, 'b'
