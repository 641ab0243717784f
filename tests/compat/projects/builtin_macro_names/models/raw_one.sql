{{ config(schema='raw') }}
select 1 as id
