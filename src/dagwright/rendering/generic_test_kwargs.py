"""A generic test's arguments as its macro receives them (``_dbt_generic_test_kwargs``).

Rendered the same way when the test's config is read at parse time (``parse``) and when the
test compiles (``execute.compile``): dbt evaluates an argument written like a call
(``ref('orders')``, ``var('x')``) or holding Jinja, and keeps ``column_name`` as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dagwright.errors import CompilationError
from dagwright.parse.nodes import Node
from dagwright.rendering.jinja import LazyContext, compile_template, render_template

_FUNCTION_LIKE = re.compile(r"^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$", re.S)


#: a string literal of a Jinja expression (one without backslashes: see ``_shape``)
_LITERAL = re.compile(r"'[^'\\]*'|\"[^\"\\]*\"")


def _shape(expression: str) -> tuple[str, list[str]]:
    """``expression`` with its string literals replaced by variables, and their values: the
    tests of one project differ mostly in such literals (``get_where_subquery(ref('orders'))``),
    so one compiled template serves all that share a shape. A variable holding the literal's
    text is the same value to Jinja's expression. An expression with a backslash is kept as
    it is (an escape inside a literal would need Jinja's own lexer)."""
    if "\\" in expression:
        return expression, []
    values: list[str] = []

    def variable(match: re.Match[str]) -> str:
        values.append(match.group()[1:-1])
        return f"__dagwright_literal_{len(values) - 1}"

    return _LITERAL.sub(variable, expression), values


def render_native(text: str, ctx: LazyContext, node: Node) -> Any:
    """A one-expression template's value itself (a relation, a list, ...), else its text."""
    stripped = text.strip()
    if stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1:
        captured: list[Any] = []
        ctx["__dagwright_capture"] = captured.append
        expression, literals = _shape(stripped[2:-2])
        try:
            template = compile_template(
                "{% do __dagwright_capture(" + expression + ") %}", node.original_file_path, node.unique_id
            )
        except CompilationError:  # adjacent literals ('a' 'b') are one to Jinja: as written
            literals = []
            template = compile_template(
                "{% do __dagwright_capture(" + stripped[2:-2] + ") %}", node.original_file_path, node.unique_id
            )
        for number, literal in enumerate(literals):
            ctx[f"__dagwright_literal_{number}"] = literal
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
