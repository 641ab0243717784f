"""The Jinja environment dagwright renders with: dbt's block tags and the parse-time undefined.

One environment per process (templates compiled with it are cached by their callers). Its
undefined type follows the thread's ``RENDER_MODE``: lenient (dbt's parse-time undefined)
while a node's own template is parsed, strict otherwise. ``rendering.jinja`` switches the
mode around renders and macro calls; ``rendering.calls`` parses with the environment to list
a template's calls without rendering it.
"""

from __future__ import annotations

import threading
from typing import Any

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.parser
import jinja2.runtime
from jinja2 import Environment

from dagwright.rendering.block_tags import MATERIALIZATION_MACRO_PREFIX, SNAPSHOT_MACRO_PREFIX, TEST_MACRO_PREFIX


class TestBlockExtension(jinja2.ext.Extension):
    """``{% test name(model, column_name) %}...{% endtest %}`` defines the macro ``test_name``,
    as in dbt (a custom generic test)."""

    tags = {"test"}

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Macro:
        lineno = next(parser.stream).lineno
        node = jinja2.nodes.Macro(lineno=lineno)
        node.name = TEST_MACRO_PREFIX + parser.parse_assign_target(name_only=True).name
        parser.parse_signature(node)
        node.body = parser.parse_statements(("name:endtest",), drop_needle=True)
        return node


class SnapshotBlockExtension(jinja2.ext.Extension):
    """``{% snapshot name %}...{% endsnapshot %}`` (a file in snapshot-paths) parses as the macro
    ``__dbt_snapshot__name`` without arguments, so a snapshot file is valid Jinja with its blocks,
    their names and lines in the syntax tree. The block's body is the snapshot's SQL."""

    tags = {"snapshot"}

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Macro:
        lineno = next(parser.stream).lineno
        node = jinja2.nodes.Macro(lineno=lineno)
        node.name = SNAPSHOT_MACRO_PREFIX + parser.parse_assign_target(name_only=True).name
        node.args, node.defaults = [], []
        node.body = parser.parse_statements(("name:endsnapshot",), drop_needle=True)
        return node


class MaterializationBlockExtension(jinja2.ext.Extension):
    """``{% materialization name, default %}`` (or ``adapter='duckdb'``, with optional
    ``supported_languages=[...]``) ... ``{% endmaterialization %}`` parses as the macro
    ``materialization_<name>_<adapter>`` without arguments, the name dbt gives it; a model
    that dbt would build with it is built by rendering it (``materialize/custom.py``)."""

    tags = {"materialization"}

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Macro:
        lineno = next(parser.stream).lineno
        name = parser.parse_assign_target(name_only=True).name
        adapter = "default"
        while parser.stream.skip_if("comma"):
            key = parser.stream.expect("name")
            if parser.stream.skip_if("assign"):
                value = parser.parse_expression()
                if key.value == "adapter":
                    if not isinstance(value, jinja2.nodes.Const) or not isinstance(value.value, str):
                        parser.fail("the adapter of a materialization must be a string", key.lineno)
                    adapter = value.value
            elif key.value != "default":
                parser.fail(f"unexpected '{key.value}' in a materialization block", key.lineno)
        node = jinja2.nodes.Macro(lineno=lineno)
        node.name = f"{MATERIALIZATION_MACRO_PREFIX}{name}_{adapter}"
        node.args, node.defaults = [], []
        node.body = parser.parse_statements(("name:endmaterialization",), drop_needle=True)
        return node


class RenderMode(threading.local):
    """Per thread: whether undefined names are lenient, and the macro calls being recorded."""

    lenient = False
    #: the macros the template being parsed calls itself (see ``recording_macro_calls``)
    calls: list[str] | None = None


RENDER_MODE = RenderMode()


class ParseUndefined(jinja2.Undefined):
    """dbt's parse-time undefined: a name that is not defined yet (a query result, a value
    only known at execution) can be called, indexed and read from, and renders as nothing;
    only arithmetic and comparisons on it fail, as in dbt."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        return type(self)(name=name)

    def __getitem__(self, key: Any) -> Any:
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self


class MacroReturn(Exception):
    """``{{ return(x) }}`` inside a macro: carries x out to the macro's caller."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


class MacroCallContext(jinja2.runtime.Context):
    """A macro calling another macro of its own file calls Jinja's macro object directly (a
    closure of the file's template), not the registry's wrapped one: the call still ends at
    the callee's ``return()`` and has its value, instead of returning from the caller."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(__obj, jinja2.runtime.Macro):
            return super().call(__obj, *args, **kwargs)
        try:
            return super().call(__obj, *args, **kwargs)
        except MacroReturn as ret:
            return ret.value


class DagwrightEnvironment(Environment):
    """The undefined type follows the thread's render mode: lenient while parsing; macro
    calls within a file return as calls through the registry do (``MacroCallContext``)."""

    context_class = MacroCallContext

    @property  # type: ignore[override]
    def undefined(self) -> type[jinja2.Undefined]:
        return ParseUndefined if RENDER_MODE.lenient else jinja2.Undefined

    @undefined.setter
    def undefined(self, value: Any) -> None:
        pass


def make_environment() -> Environment:
    return DagwrightEnvironment(
        extensions=[
            "jinja2.ext.do",
            "jinja2.ext.loopcontrols",
            TestBlockExtension,
            SnapshotBlockExtension,
            MaterializationBlockExtension,
        ],
        autoescape=False,
        keep_trailing_newline=False,
        cache_size=0,
    )


_ENV_LOCK = threading.Lock()
_ENV: Environment | None = None


def environment() -> Environment:
    global _ENV
    with _ENV_LOCK:
        if _ENV is None:
            _ENV = make_environment()
        return _ENV
