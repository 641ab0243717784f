-- adapter.dispatch picks duckdb__greet over default__greet; a macro called through the project's namespace
select
    {{ greet('dispatch') }} as dispatched,
    {{ jinja_extras.greet('namespaced') }} as via_project_namespace
