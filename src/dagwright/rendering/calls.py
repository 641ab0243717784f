"""The calls a Jinja syntax tree makes, by name, without rendering it.

Names come in the order the calls run (arguments before the call), or in the order they
are written (``tree_order``, as dbt lists a macro's own calls): ``name`` for a bare
call, ``package.name`` for a qualified one, and ``dispatch:<namespace>:<name>`` for
``adapter.dispatch('name'[, 'namespace'])``. ``parse.macro_calls`` turns them into dbt's
``depends_on.macros``.
"""

from __future__ import annotations

from typing import Any

import jinja2
import jinja2.nodes as nodes

from dagwright.rendering.environment import environment

#: objects whose methods are not macros
_NOT_PACKAGES = frozenset({"this", "api", "exceptions", "modules", "config", "target", "adapter", "builtins"})


def call_names(text: str) -> list[str]:
    """The calls of a template's text; empty for text that is not valid Jinja (its error is
    reported where it is rendered)."""
    if "{{" not in text and "{%" not in text:
        return []
    try:
        tree = environment().parse(text)
    except jinja2.TemplateSyntaxError:
        return []
    out: list[str] = []
    collect_calls(tree, out)
    return out


def collect_calls(node: Any, out: list[str], tree_order: bool = False) -> None:
    """Append the calls under ``node`` (not inside the macros it defines) to ``out``."""
    if tree_order:
        _add_call(node, out)
    for child in node.iter_child_nodes():
        if not isinstance(child, nodes.Macro):
            collect_calls(child, out, tree_order)
    if not tree_order:
        _add_call(node, out)


def _add_call(node: Any, out: list[str]) -> None:
    if not isinstance(node, nodes.Call):
        return
    func = node.node
    if isinstance(func, nodes.Name):
        out.append(func.name)
    elif isinstance(func, nodes.Getattr) and isinstance(func.node, nodes.Name):
        owner, attr = func.node.name, func.attr
        if owner == "adapter" and attr == "dispatch":
            dispatched = _dispatch_name(node)
            if dispatched:
                out.append(dispatched)
        elif owner not in _NOT_PACKAGES:
            out.append(f"{owner}.{attr}")


def _dispatch_name(call: nodes.Call) -> str | None:
    name = namespace = None
    if call.args and isinstance(call.args[0], nodes.Const):
        name = call.args[0].value
    if len(call.args) > 1 and isinstance(call.args[1], nodes.Const):
        namespace = call.args[1].value
    for kwarg in call.kwargs:
        if kwarg.key == "macro_name" and isinstance(kwarg.value, nodes.Const):
            name = kwarg.value.value
        elif kwarg.key == "macro_namespace" and isinstance(kwarg.value, nodes.Const):
            namespace = kwarg.value.value
    if not isinstance(name, str):
        return None
    return f"dispatch:{namespace if isinstance(namespace, str) else ''}:{name}"
