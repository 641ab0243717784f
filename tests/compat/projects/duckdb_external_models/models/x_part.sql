{{ config(materialized='external', location=out_dir() ~ '_x_part', options={'partition_by': 'grp', 'overwrite': true}) }}
select * from {{ ref('base') }}
