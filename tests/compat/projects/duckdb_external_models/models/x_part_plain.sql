{{ config(materialized='external', location=out_dir() ~ '_x_part_plain', options={'partition_by': 'grp'}) }}
select id, grp from {{ ref('base') }}
