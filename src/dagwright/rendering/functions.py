"""``function('name')`` / ``function('package', 'name')``: a dbt 1.11 UDF as a model's code
calls it. At parse time the call is recorded (the node then depends on the function); at
compile time it renders as the function's fully qualified name, as dbt-core's resolver does."""

from __future__ import annotations

from typing import Any

from dagwright.errors import CompilationError
from dagwright.parse.nodes import Manifest, Node
from dagwright.rendering.jinja import current_template_line
from dagwright.rendering.relation import JinjaRelation


def function_call(args: tuple[Any, ...]) -> tuple[str, ...]:
    """The call's arguments as dbt's manifest keeps them: ``[name]`` or ``[package, name]``."""
    if len(args) not in (1, 2):
        raise CompilationError(
            f"function() takes one or two arguments (a function name, or a package and a function name), "
            f"got {len(args)}",
            line=current_template_line(),
        )
    for arg in args:
        if not isinstance(arg, str):
            raise CompilationError(
                f"the arguments of function() must be strings, got {type(arg).__name__}", line=current_template_line()
            )
    return tuple(args)


def function_index(manifest: Manifest) -> dict[str, list[Node]]:
    """The enabled functions by name (built once per parse, for ``find_function``)."""
    index: dict[str, list[Node]] = {}
    for node in manifest.nodes.values():
        if node.resource_type == "function" and node.enabled:
            index.setdefault(node.name, []).append(node)
    return index


def find_function(index: dict[str, list[Node]], project_name: str, call: tuple[str, ...], caller: str) -> Node | None:
    """The function a call names: the calling package's own, else the root project's, else
    any package's (dbt's lookup order for an unqualified name); ``index``: ``function_index``."""
    found = index.get(call[-1], [])
    if len(call) == 2:
        found = [n for n in found if n.package_name == call[0]]
    for preferred in (caller, project_name):
        for node in found:
            if node.package_name == preferred:
                return node
    return found[0] if found else None


def resolve_function(render: Any, manifest: Manifest, node: Node, args: tuple[Any, ...]) -> JinjaRelation:
    """The relation a compiled ``function(...)`` call renders as (``render``: the run's
    ``make_relation``)."""
    call = function_call(args)
    for unique_id in node.depends_on:
        target = manifest.nodes.get(unique_id)
        if target is None or target.resource_type != "function" or target.name != call[-1]:
            continue
        if len(call) == 1 or target.package_name == call[0]:
            return render(target.relation, "function")
    raise CompilationError(
        f"function('{call[-1]}') was not found when the project was parsed "
        "(it is inside a block that only runs at execution time)",
        line=current_template_line(),
        hint=f"add a line '-- depends_on: {{{{ function('{call[-1]}') }}}}' at the top of the model",
    )
