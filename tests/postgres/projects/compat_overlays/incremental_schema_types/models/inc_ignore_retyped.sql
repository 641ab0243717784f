{{ config(unique_key='id') }}
-- ignore: new rows are cast to the existing column types
select id, {% if var('batch') | int >= 2 %}amount::double precision / 4 as amount{% else %}amount::integer as amount{% endif %} from {{ ref('source_rows') }}
