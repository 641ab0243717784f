"""The Jinja environment, macros bound lazily per node, and dbt's ``return()``.

A node's context is a ``LazyContext``: a dict that binds a project macro the first time a
template looks its name up. So rendering a node costs what its template uses, not what
the project defines. Templates are compiled once per process and reused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.parser
from jinja2 import Environment, Template

from dagwright.errors import CompilationError, DagwrightError


class MacroReturn(Exception):
    """``{{ return(x) }}`` inside a macro: carries x out to the macro's caller."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


def do_return(value: Any) -> Any:
    raise MacroReturn(value)


def _raise_undefined(*args: Any, **kwargs: Any) -> Any:  # pragma: no cover - helper
    raise jinja2.UndefinedError("undefined")


class TestBlockExtension(jinja2.ext.Extension):
    """``{% test name(model, column_name) %}...{% endtest %}`` defines the macro ``test_name``,
    as in dbt (a custom generic test)."""

    tags = {"test"}

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Macro:
        lineno = next(parser.stream).lineno
        node = jinja2.nodes.Macro(lineno=lineno)
        node.name = "test_" + parser.parse_assign_target(name_only=True).name
        parser.parse_signature(node)
        node.body = parser.parse_statements(("name:endtest",), drop_needle=True)
        return node


def make_environment() -> Environment:
    return Environment(
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols", TestBlockExtension],
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


@dataclass(frozen=True)
class MacroSource:
    """A file of ``{% macro %}`` blocks; compiled on first use."""

    path: Path
    relative_path: str
    text: str
    names: tuple[str, ...]


class MacroFile:
    def __init__(self, source: MacroSource) -> None:
        self.source = source
        self._template: Template | None = None
        self._lock = threading.Lock()

    def template(self) -> Template:
        with self._lock:
            if self._template is None:
                self._template = compile_template(self.source.text, self.source.relative_path)
            return self._template


def compile_template(text: str, relative_path: str, node: str | None = None) -> Template:
    env = environment()
    try:
        return env.from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise CompilationError(
            f"Jinja syntax error: {exc.message}", path=relative_path, line=exc.lineno, node=node
        ) from None


def _wrap_macro(macro: Any) -> Callable[..., Any]:
    def call_macro(*args: Any, **kwargs: Any) -> Any:
        try:
            return macro(*args, **kwargs)
        except MacroReturn as ret:
            return ret.value

    call_macro.__name__ = getattr(macro, "name", "macro")
    call_macro.jinja_macro = macro  # type: ignore[attr-defined]
    return call_macro


class MacroRegistry:
    """Every macro name of the project -> the file that defines it."""

    def __init__(self, files: Mapping[str, MacroFile]) -> None:
        self.by_name = dict(files)

    def bind(self, name: str, ctx: LazyContext) -> bool:
        macro_file = self.by_name.get(name)
        if macro_file is None:
            return False
        template = macro_file.template()
        module = template.make_module(vars=ctx, shared=True)  # type: ignore[arg-type]
        for macro_name in macro_file.source.names:
            macro = getattr(module, macro_name, None)
            if macro is not None and macro_name not in ctx.bound:
                dict.__setitem__(ctx, macro_name, _wrap_macro(macro))
                ctx.bound.add(macro_name)
        return True


class LazyContext(dict):  # type: ignore[type-arg]
    """A node's Jinja globals: macros are bound on first lookup."""

    def __init__(self, values: Mapping[str, Any], macros: MacroRegistry) -> None:
        super().__init__(values)
        self.macros = macros
        self.bound: set[str] = set()

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        return isinstance(key, str) and key in self.macros.by_name

    def __getitem__(self, key: str) -> Any:
        try:
            return dict.__getitem__(self, key)
        except KeyError:
            if isinstance(key, str) and self.macros.bind(key, self):
                return dict.__getitem__(self, key)
            raise

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default  # noqa: SIM401 - self.get would recurse


def render_template(template: Template, ctx: LazyContext) -> str:
    context = template.new_context(ctx, shared=True)  # type: ignore[arg-type]
    try:
        return template.environment.concat(template.root_render_func(context))  # type: ignore[attr-defined]
    except MacroReturn as ret:
        # return() at the top level of a model behaves like an early end of the text
        return str(ret.value)


def template_line(exc: BaseException) -> int | None:
    """The line in the template being rendered where ``exc`` was raised, if any."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        frame = tb.tb_frame
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            try:
                line = template.get_corresponding_lineno(tb.tb_lineno)
            except Exception:
                pass
        tb = tb.tb_next
    return line


def current_template_line() -> int | None:
    """The template line calling into Python right now (for errors raised from ref())."""
    import sys

    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            try:
                return template.get_corresponding_lineno(frame.f_lineno)
            except Exception:
                return None
        frame = frame.f_back  # type: ignore[assignment]
    return None


def render_error(exc: BaseException, path: str, node: str) -> DagwrightError:
    """A Jinja-time exception as a user-facing compilation error with file and line."""
    if isinstance(exc, DagwrightError):
        if exc.path is None:
            exc.path = path
            exc.line = exc.line or template_line(exc)
        if exc.node is None:
            exc.node = node
        return exc
    line = exc.lineno if isinstance(exc, jinja2.TemplateSyntaxError) else template_line(exc)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return CompilationError(message, path=path, line=line, node=node)


def macro_names(text: str, relative_path: str) -> list[tuple[str, int, tuple[str, ...]]]:
    """(name, line, arguments) of the top-level macros a file defines."""
    env = environment()
    try:
        tree = env.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise CompilationError(f"Jinja syntax error: {exc.message}", path=relative_path, line=exc.lineno) from None
    out = []
    for node in tree.find_all(jinja2.nodes.Macro):
        out.append((node.name, node.lineno, tuple(a.name for a in node.args)))
    return out
