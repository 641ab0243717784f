{#- Names of relations: what dbt's global project offers by these names, written for dagwright.
    dagwright computes the names itself (parse/loader.py NameGenerator) unless a project defines
    its own generate_*_name macro; these let such a macro, or any template, call the defaults
    by name, bare or as dbt.<name>. -#}

{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
    {%- do return(default__generate_schema_name(custom_schema_name, node)) -%}
{%- endmacro %}

{#- the target's schema, suffixed with the configured one when there is one -#}
{% macro default__generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {%- do return(target.schema) -%}
    {%- endif -%}
    {%- do return(target.schema ~ "_" ~ (custom_schema_name | trim)) -%}
{%- endmacro %}

{#- the configured schema as it is in a target named prod; the target's schema elsewhere -#}
{% macro generate_schema_name_for_env(custom_schema_name, node) -%}
    {%- if target.name == "prod" and custom_schema_name is not none -%}
        {%- do return(custom_schema_name | trim) -%}
    {%- endif -%}
    {%- do return(target.schema) -%}
{%- endmacro %}

{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- do return(default__generate_alias_name(custom_alias_name, node)) -%}
{%- endmacro %}

{#- the configured alias; else the node's name, with _v<version> for a versioned model -#}
{% macro default__generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if custom_alias_name -%}
        {%- do return(custom_alias_name | trim) -%}
    {%- endif -%}
    {%- if node.version -%}
        {%- do return(node.name ~ "_v" ~ (node.version | string | replace(".", "_"))) -%}
    {%- endif -%}
    {%- do return(node.name) -%}
{%- endmacro %}

{% macro generate_database_name(custom_database_name=none, node=none) -%}
    {%- do return(default__generate_database_name(custom_database_name, node)) -%}
{%- endmacro %}

{#- the configured database, else the target's -#}
{% macro default__generate_database_name(custom_database_name=none, node=none) -%}
    {%- if custom_database_name is none -%}
        {%- do return(target.database) -%}
    {%- endif -%}
    {%- do return(custom_database_name | trim) -%}
{%- endmacro %}
