-- the graph and invocation context
select
    {{ graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | list | length }} as model_count,
    {{ selected_resources | length }} as selected_count,
    '{{ invocation_args_dict.get("which") }}' as which_command,
    '{{ builtins.ref("jinja_namespace") }}' as builtin_ref
