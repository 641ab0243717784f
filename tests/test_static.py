"""The static fast path must mean exactly what Jinja means, or step aside (return None)."""

from __future__ import annotations

from typing import Any

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dagwright.parse.static import Expr, analyze
from dagwright.rendering.jinja import dependency_free_macros, macro_infos

PURE = frozenset({"cents"})


def ref(*args: Any, **kwargs: Any) -> str:
    return '"db"."main"."' + str(args[-1]) + '"'


def source(a: str, b: str) -> str:
    return f'"db"."{a}"."{b}"'


def var(name: str, default: Any = None) -> Any:
    return {"n": 3, "flag": True, "items": [1, "a"]}.get(name, default)


def cents(col: str, scale: int = 2) -> str:
    return f"({col} / 100.0)::decimal(18,{scale})"


FUNCS = {"ref": ref, "source": source, "var": var, "cents": cents, "config": lambda *a, **k: "", "this": '"db"."x"'}


def render_static(parts: tuple[Any, ...]) -> str:
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Expr):
            if part.kind == "this":
                out.append(str(FUNCS["this"]))
            else:
                fn = FUNCS[part.name or part.kind]
                out.append(str(fn(*part.args, **dict(part.kwargs))))
    return "".join(out)


def render_jinja(text: str) -> str:
    return jinja2.Environment().from_string(text).render(**FUNCS)


@pytest.mark.parametrize(
    "text",
    [
        "select * from {{ ref('a') }}",
        "select * from {{ ref('pkg', 'a') }} join {{ source('raw', 'orders') }}",
        "{{ config(materialized='table', tags=['x', 'y']) }}\nselect {{ var('n') }}, {{ var('missing', 'd') }}",
        "select {{ cents('amount') }}, {{ cents('x', scale=4) }} -- {{ this }}\n",
        "select '}}' as a, {{ ref(\"b\") }}",
        "{# a comment #}select 1\n\n",
    ],
)
def test_static_parts_render_like_jinja(text: str) -> None:
    parts = analyze(text, PURE)
    assert parts is not None
    assert render_static(parts) == render_jinja(text)


@pytest.mark.parametrize(
    "text",
    [
        "{% if true %}select 1{% endif %}",
        "select {{ ref('a') | upper }}",
        "select {{- ref('a') }}",
        "select {{ impure('a') }}",
        "select {{ cents(some_name) }}",
        "{#- trimmed -#} select 1",
        "select 1\r\n",
    ],
)
def test_anything_else_goes_to_jinja(text: str) -> None:
    assert analyze(text, PURE) is None


def test_dependency_free_macros_fixpoint() -> None:
    source_text = """
{% macro cents(col) %}{{ col }} / 100{% endmacro %}
{% macro wraps_cents(col) %}{{ cents(col) }}{% endmacro %}
{% macro uses_ref() %}{{ ref('x') }}{% endmacro %}
{% macro wraps_ref() %}{{ uses_ref() }}{% endmacro %}
{% macro dispatches() %}{{ adapter.dispatch('m')() }}{% endmacro %}
"""
    reads = {name: names for name, _, _, names, _ in macro_infos(source_text, "m.sql")}
    assert dependency_free_macros(reads, frozenset({"proj"})) == {"cents", "wraps_cents"}


_piece = st.one_of(
    st.text(alphabet="selct *,()=\n'ab12_", max_size=12).filter(lambda s: "{" not in s and "}" not in s),
    st.sampled_from(
        [
            "{{ ref('m1') }}",
            "{{ ref('p', 'm2') }}",
            "{{ source('s', 't') }}",
            "{{ var('n') }}",
            "{{ var('items') }}",
            "{{ var('nope', none) }}",
            "{{ cents('c', scale=3) }}",
            "{{ this }}",
            "{{ config(x=1) }}",
            "{# c #}",
        ]
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_piece, max_size=12))
def test_property_static_equals_jinja(pieces: list[str]) -> None:
    text = "".join(pieces)
    parts = analyze(text, PURE)
    assert parts is not None
    assert render_static(parts) == render_jinja(text)
