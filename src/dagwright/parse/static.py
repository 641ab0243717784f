"""Static analysis of simple model templates.

Most models use Jinja only as ``{{ ref('x') }}``, ``{{ source('s', 't') }}``,
``{{ config(materialized='table') }}``, ``{{ var('v') }}`` or ``{{ this }}``. For those,
dagwright needs no Jinja at all: ``analyze`` splits the text into literal parts and such
expressions, which are then extracted at parse time and substituted at compile time. Any
other construct (a ``{% %}`` block, a filter, a macro call, whitespace control) makes
``analyze`` return None and the model goes through Jinja, so the fast path never changes
what a model means.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

STATIC_FUNCTIONS = frozenset({"ref", "source", "config", "var", "env_var"})
STATIC_NAMES = frozenset({"this"})

_JINJA_CONSTANTS = {"true": True, "false": False, "none": None, "True": True, "False": False, "None": None}


@dataclass(frozen=True, slots=True)
class Expr:
    """One ``{{ ... }}`` expression the static path understands."""

    kind: str  # "ref", "source", "config", "var", "env_var", "this", or "call" (a pure macro)
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    line: int
    name: str = ""  # the macro, for kind "call"


StaticPart = str | Expr


class _NotStatic(Exception):
    pass


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, bool, type(None))):
        return node.value
    if isinstance(node, ast.Name) and node.id in _JINJA_CONSTANTS:
        return _JINJA_CONSTANTS[node.id]
    if isinstance(node, ast.List):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _NotStatic
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}  # type: ignore[arg-type]
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, (int, float))
        and not isinstance(node.operand.value, bool)
    ):
        return -node.operand.value
    raise _NotStatic


# ``ref('x')``, ``source('s', 't')``, ``var('v', 1)``: most expressions in a project, read
# without building a Python AST (compiling one per expression was most of the static path).
_STRING = r"""(?:'([^'\\\n]*)'|"([^"\\\n]*)")"""
_SIMPLE_CALL = re.compile(
    rf"\s*(ref|source|var|env_var)\(\s*{_STRING}(?:\s*,\s*(?:{_STRING}|(-?(?:0|[1-9]\d{{0,17}}))))?\s*\)\s*",
)
_SIMPLE_NAME = re.compile(r"\s*(this)\s*")


def _simple_expression(text: str, line: int) -> Expr | None:
    """The Expr of a call with one or two string (or integer) literals, else None."""
    m = _SIMPLE_CALL.fullmatch(text)
    if m is None:
        return Expr("this", (), (), line) if _SIMPLE_NAME.fullmatch(text) else None
    kind, a1, a2, b1, b2, number = m.groups()
    first = a1 if a1 is not None else a2
    if b1 is not None or b2 is not None:
        return Expr(kind, (first, b1 if b1 is not None else b2), (), line)
    if number is not None:
        return Expr(kind, (first, int(number)), (), line)
    return Expr(kind, (first,), (), line)


def _fresh(value: Any) -> Any:
    """A copy of a literal's lists and dicts: each node gets its own config values."""
    if type(value) is list:
        return [_fresh(v) for v in value]
    if type(value) is dict:
        return {k: _fresh(v) for k, v in value.items()}
    if type(value) is tuple:
        return tuple(_fresh(v) for v in value)
    return value


#: expression text (and pure macros) -> (kind, args, kwargs, name), or None when not static.
#: Projects repeat the same few ``config(...)`` calls; each is read with ``ast`` once.
_PARSED: dict[tuple[str, frozenset[str]], tuple[str, tuple[Any, ...], tuple[Any, ...], str] | None] = {}


def _expression(text: str, line: int, pure_macros: frozenset[str] = frozenset()) -> Expr:
    simple = _simple_expression(text, line)
    if simple is not None:
        return simple
    key = (text, pure_macros)
    if key not in _PARSED:
        if len(_PARSED) > 10_000:
            _PARSED.clear()
        try:
            expr = _parse_expression(text, line, pure_macros)
            _PARSED[key] = (expr.kind, expr.args, expr.kwargs, expr.name)
        except _NotStatic:
            _PARSED[key] = None
    parsed = _PARSED[key]
    if parsed is None:
        raise _NotStatic
    kind, args, kwargs, name = parsed
    return Expr(kind, _fresh(args), _fresh(kwargs), line, name)


def _parse_expression(text: str, line: int, pure_macros: frozenset[str]) -> Expr:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise _NotStatic from None
    body = tree.body
    if isinstance(body, ast.Name) and body.id in STATIC_NAMES:
        return Expr(body.id, (), (), line)
    if (
        isinstance(body, ast.Call)
        and isinstance(body.func, ast.Name)
        and body.func.id in STATIC_FUNCTIONS
        and not any(isinstance(a, ast.Starred) for a in body.args)
        and all(k.arg is not None for k in body.keywords)
    ):
        args = tuple(_literal(a) for a in body.args)
        kwargs = tuple((str(k.arg), _literal(k.value)) for k in body.keywords)
        return Expr(body.func.id, args, kwargs, line)
    if (
        isinstance(body, ast.Call)
        and isinstance(body.func, ast.Name)
        and body.func.id in pure_macros
        and not any(isinstance(a, ast.Starred) for a in body.args)
        and all(k.arg is not None for k in body.keywords)
    ):
        # A macro that can add no dependency or config, called with literal arguments:
        # nothing to learn from it at parse time; it is called at compile time.
        args = tuple(_literal(a) for a in body.args)
        kwargs = tuple((str(k.arg), _literal(k.value)) for k in body.keywords)
        return Expr("call", args, kwargs, line, body.func.id)
    raise _NotStatic


# An expression's text up to its closing ``}}``: anything but quotes and braces, a single
# ``}``, or a quoted string (a backslash escapes the next character).
_EXPRESSION_BODY = re.compile(r"""(?:[^'"}]+|}(?!})|'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*")*""", re.S)


def _find_expression_end(raw: str, start: int) -> int:
    """Index of the closing ``}}`` of an expression starting at ``start``, skipping strings."""
    end = _EXPRESSION_BODY.match(raw, start).end()  # type: ignore[union-attr]  # matches the empty string
    if not raw.startswith("}}", end):
        raise _NotStatic
    return end


def analyze(raw: str, pure_macros: frozenset[str] = frozenset()) -> tuple[StaticPart, ...] | None:
    """Literal text and expressions, or None when the template needs real Jinja."""
    if "\r" in raw:
        return None  # Jinja normalises line endings; leave that to Jinja
    parts: list[StaticPart] = []
    pos = 0
    n = len(raw)
    while True:
        i = raw.find("{", pos)
        while i != -1 and (i + 1 >= n or raw[i + 1] not in "{%#"):
            i = raw.find("{", i + 1)
        if i == -1:
            if pos < n:
                parts.append(raw[pos:])
            break
        kind = raw[i + 1]
        if kind == "%":
            return None
        if i > pos:
            parts.append(raw[pos:i])
        if kind == "#":
            end = raw.find("#}", i + 2)
            if end == -1 or raw[i + 2 : i + 3] == "-" or raw[end - 1] == "-":
                return None
            pos = end + 2
            continue
        # kind == "{"
        if raw[i + 2 : i + 3] in ("-", "+"):
            return None
        try:
            end = _find_expression_end(raw, i + 2)
            if raw[end - 1] in "-+":
                return None
            parts.append(_expression(raw[i + 2 : end], raw.count("\n", 0, i) + 1, pure_macros))
        except _NotStatic:
            return None
        pos = end + 2
    # Jinja drops a single trailing newline of the template source (only when the source
    # itself ends with it, not a literal that a comment follows).
    if raw.endswith("\n") and parts and isinstance(parts[-1], str):
        parts[-1] = parts[-1][:-1]
        if not parts[-1]:
            parts.pop()
    return tuple(parts)
