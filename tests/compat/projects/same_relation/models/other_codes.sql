{{ config(alias='codes') }}
select 2 as id
