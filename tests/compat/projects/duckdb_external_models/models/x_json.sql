{{ config(materialized='external', format='json', location=out_dir() ~ '_x_json.json') }}
select id, name, grp from {{ ref('base') }}
