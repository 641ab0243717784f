"""A generic test's arguments as its macro receives them (``_dbt_generic_test_kwargs``).

Rendered the same way when the test's config is read at parse time (``parse``) and when the
test compiles (``execute.compile``): dbt evaluates an argument written like a call
(``ref('orders')``, ``var('x')``) or holding Jinja, and keeps ``column_name`` as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dagwright.parse.nodes import Node
from dagwright.rendering.jinja import LazyContext, compile_template, render_template

_FUNCTION_LIKE = re.compile(r"^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$", re.S)


def render_native(text: str, ctx: LazyContext, node: Node) -> Any:
    """A one-expression template's value itself (a relation, a list, ...), else its text."""
    stripped = text.strip()
    if stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1:
        captured: list[Any] = []
        ctx["__dagwright_capture"] = captured.append
        template = compile_template(
            "{% do __dagwright_capture(" + stripped[2:-2] + ") %}", node.original_file_path, node.unique_id
        )
        render_template(template, ctx)
        return captured[0] if captured else None
    return render_template(compile_template(text, node.original_file_path, node.unique_id), ctx)


def test_kwargs(kwargs: Mapping[str, Any], ctx: LazyContext, node: Node) -> dict[str, Any]:
    """A generic test's arguments, rendered the way dbt renders them: strings that look like
    ``ref(...)``/``source(...)``/``var(...)`` are evaluated; column_name stays text."""

    def convert(value: Any, key: str | None) -> Any:
        if isinstance(value, str):
            if key == "column_name":
                return value
            if _FUNCTION_LIKE.match(value):
                value = "{{ " + value + " }}"
            if "{{" in value or "{%" in value:
                return render_native(value, ctx, node)
            return value
        if isinstance(value, Mapping):
            return {k: convert(v, None) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v, None) for v in value]
        return value

    return {key: convert(value, key) for key, value in kwargs.items()}
