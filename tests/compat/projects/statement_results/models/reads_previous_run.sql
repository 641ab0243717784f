-- the second run reads the first run's table of this very model through adapter.get_relation
{%- set previous = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
{%- if execute and previous is not none -%}
    {%- set runs = run_query("select max(run_number) from " ~ previous)[0][0] -%}
{%- else -%}
    {%- set runs = 0 -%}
{%- endif %}
select {{ runs + 1 }} as run_number
