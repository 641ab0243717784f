{# the files go beside the database: '<folder of warehouse.duckdb>/out' (a prefix, not a folder) #}
{% macro out_dir() %}{{ return(target.path | replace('warehouse.duckdb', 'out')) }}{% endmacro %}
