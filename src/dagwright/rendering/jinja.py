"""Macros bound lazily per node, rendering with dbt's ``return()``, and errors with lines.

A node's context is a ``LazyContext``: a dict that binds a project macro the first time a
template looks its name up. So rendering a node costs what its template uses, not what
the project defines. Templates are compiled once per process and reused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
import jinja2.nodes
from jinja2 import Template

from dagwright.errors import CompilationError, DagwrightError
from dagwright.rendering.calls import collect_calls
from dagwright.rendering.dbt_global_names import DBT_GLOBAL_MACROS, unsupported_dbt_macro
from dagwright.rendering.environment import RENDER_MODE, MacroReturn, environment


def do_return(value: Any) -> Any:
    raise MacroReturn(value)


def _raise_undefined(*args: Any, **kwargs: Any) -> Any:  # pragma: no cover - helper
    raise jinja2.UndefinedError("undefined")


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


#: templates compiled lately, by (text, file): the many nodes whose text is the same (each
#: not_null test's ``{{ test_not_null(**_dbt_generic_test_kwargs) }}``) share one; bounded,
#: so a project's templates are not all kept (a Template is stateless once compiled)
_RECENT: dict[tuple[str, str], Template] = {}
_RECENT_SIZE = 256
_RECENT_LOCK = threading.Lock()


def compile_template(text: str, relative_path: str, node: str | None = None) -> Template:
    key = (text, relative_path)
    template = _RECENT.get(key)
    if template is not None:
        return template
    env = environment()
    try:
        template = env.from_string(text)
    except jinja2.TemplateSyntaxError as exc:
        raise CompilationError(
            f"Jinja syntax error: {exc.message}", path=relative_path, line=exc.lineno, node=node
        ) from None
    template.name = relative_path  # for errors: which file a frame belongs to
    with _RECENT_LOCK:
        if len(_RECENT) >= _RECENT_SIZE:
            del _RECENT[next(iter(_RECENT))]  # the oldest
        _RECENT[key] = template
    return template


def _wrap_macro(macro: Any, unique_id: str) -> Callable[..., Any]:
    def call_macro(*args: Any, **kwargs: Any) -> Any:
        # As in dbt, only the node's own template is lenient at parse time: inside a macro,
        # reading from an undefined value fails.
        lenient = RENDER_MODE.lenient
        RENDER_MODE.lenient = False
        calls = RENDER_MODE.calls
        if calls is not None:
            if unique_id not in calls:
                calls.append(unique_id)
            RENDER_MODE.calls = None  # what the macro calls is not the template's own call (dbt)
        try:
            return macro(*args, **kwargs)
        except MacroReturn as ret:
            return ret.value
        finally:
            RENDER_MODE.lenient = lenient
            if calls is not None:
                RENDER_MODE.calls = calls

    call_macro.__name__ = getattr(macro, "name", "macro")
    call_macro.jinja_macro = macro  # type: ignore[attr-defined]
    return call_macro


def record_macro_call(unique_id: str) -> None:
    """Note a call of a macro dagwright implements in Python (``is_incremental``), when the
    template being parsed makes it itself."""
    calls = RENDER_MODE.calls
    if calls is not None and unique_id not in calls:
        calls.append(unique_id)


@contextmanager
def recording_macro_calls() -> Iterator[list[str]]:
    """The unique_ids of the macros a template rendered inside this block calls itself, in
    call order: dbt's ``depends_on.macros`` of a node (not the macros those macros call)."""
    previous = RENDER_MODE.calls
    calls: list[str] = []
    RENDER_MODE.calls = calls
    try:
        yield calls
    finally:
        RENDER_MODE.calls = previous


class MacroRegistry:
    """Every macro name of the project -> the file that defines it.

    ``by_name`` is the root project's namespace (a root-project macro replaces a built-in one of
    the same name); ``packages`` holds each package's own macros (``dbt``, the root project, each
    installed package), for ``dbt.dateadd(...)``, ``my_package.my_macro(...)`` and
    ``adapter.dispatch``. A node of an installed package sees its own package's macros by bare
    name before the root project's (``namespace``), as in dbt.
    """

    def __init__(
        self,
        files: Mapping[str, MacroFile],
        packages: Mapping[str, Mapping[str, MacroFile]] | None = None,
        root: str | None = None,
    ) -> None:
        self.by_name = dict(files)
        self.packages = {name: dict(macros) for name, macros in (packages or {}).items()}
        self.root = root
        #: names of the installed packages (neither ``dbt`` nor the root project)
        self.installed: frozenset[str] = frozenset()
        #: macros that cannot add dependencies or config (see dependency_free_macros), root namespace
        self.pure: frozenset[str] = frozenset()
        #: (package, macro name) -> names the macro reads, to compute ``pure_for`` a package
        self.reads: dict[str, dict[str, frozenset[str]]] = {}
        self._namespaces: dict[str, dict[str, MacroFile]] = {}
        self._pure: dict[str, frozenset[str]] = {}
        #: id of a macro file -> the package that defines it
        self._owner = {id(f): package for package, names in self.packages.items() for f in names.values()}

    def unique_id(self, name: str, macro_file: MacroFile) -> str:
        """``macro.<package>.<name>`` of a macro of ``macro_file``."""
        return f"macro.{self._owner.get(id(macro_file), self.root)}.{name}"

    def macro_id(self, name: str, package: str | None = None) -> str | None:
        """The unique_id a bare ``name`` resolves to for a node of ``package`` (None: no macro)."""
        macro_file = self.namespace(package).get(name)
        return None if macro_file is None else self.unique_id(name, macro_file)

    def namespace(self, package: str | None) -> Mapping[str, MacroFile]:
        """Bare macro names as a node of ``package`` sees them: its own package's macros, then
        the root project's, then the built-in ones (dbt's search order)."""
        if package is None or package not in self.installed:
            return self.by_name
        names = self._namespaces.get(package)
        if names is None:
            names = self._namespaces[package] = {**self.by_name, **self.packages.get(package, {})}
        return names

    def pure_for(self, package: str | None) -> frozenset[str]:
        """``pure`` for the nodes of ``package`` (their bare names resolve to other macros)."""
        if package is None or package not in self.installed:
            return self.pure
        pure = self._pure.get(package)
        if pure is None:
            reads = {**self.reads.get("dbt", {}), **self.reads.get(self.root or "", {}), **self.reads.get(package, {})}
            pure = self._pure[package] = dependency_free_macros(reads, frozenset(self.packages))
        return pure

    @staticmethod
    def _module(macro_file: MacroFile, ctx: LazyContext) -> Any:
        """The file's macros bound to ``ctx`` (made once per context), by name.

        Not Jinja's ``make_module``: its module leaves out names that start with an underscore,
        and dbt packages call such macros (``dbt_utils._is_relation``)."""
        module = ctx.modules.get(id(macro_file))
        if module is None:
            template = macro_file.template()
            context = template.new_context(ctx, shared=True)  # type: ignore[arg-type]
            for _ in template.root_render_func(context):  # type: ignore[attr-defined]
                pass  # defines the macros (a macro file's text outside them is not used)
            module = SimpleNamespace(**context.vars)
            ctx.modules[id(macro_file)] = module
        return module

    def bind(self, name: str, ctx: LazyContext) -> bool:
        names = ctx.names
        macro_file = names.get(name)
        if macro_file is None:
            return False
        module = self._module(macro_file, ctx)
        for macro_name in macro_file.source.names:
            if macro_name in ctx.bound or names.get(macro_name) is not macro_file:
                continue  # another file's macro of this name wins in the global namespace
            macro = getattr(module, macro_name, None)
            if macro is not None:
                dict.__setitem__(ctx, macro_name, _wrap_macro(macro, self.unique_id(macro_name, macro_file)))
                ctx.bound.add(macro_name)
        return True

    def lookup(self, package: str, name: str, ctx: LazyContext) -> Callable[..., Any] | None:
        """``package.name`` bound to ``ctx``, or None if the package has no such macro."""
        macro_file = self.packages.get(package, {}).get(name)
        if macro_file is None:
            return None
        if ctx.names.get(name) is macro_file:
            return ctx[name]  # the same macro object as the global name
        macro = getattr(self._module(macro_file, ctx), name, None)
        return _wrap_macro(macro, f"macro.{package}.{name}") if macro is not None else None


class LazyContext(dict):  # type: ignore[type-arg]
    """A node's Jinja globals: macros are bound on first lookup."""

    def __init__(self, values: Mapping[str, Any], macros: MacroRegistry, package: str | None = None) -> None:
        super().__init__(values)
        self.macros = macros
        #: bare macro names as the package of the node being rendered sees them
        self.names = macros.namespace(package)
        self.bound: set[str] = set()
        self.modules: dict[int, Any] = {}
        #: render with dbt's parse-time undefined (see ParseUndefined)
        self.lenient = False
        #: makes the ``<package>.<macro>`` object of a package on first use (None: no such names)
        self.package_namespace: Callable[[str], Any] | None = None

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        if not isinstance(key, str):
            return False
        return (
            key in self.names
            or (self.package_namespace is not None and key in self.macros.packages)
            or key in DBT_GLOBAL_MACROS  # one dagwright lacks: a clear error when called
        )

    def __getitem__(self, key: str) -> Any:
        try:
            return dict.__getitem__(self, key)
        except KeyError:
            if isinstance(key, str):
                if self.macros.bind(key, self):
                    return dict.__getitem__(self, key)
                # after the macros, as in dbt's search order; made once per context
                if self.package_namespace is not None and key in self.macros.packages:
                    value = self.package_namespace(key)
                    dict.__setitem__(self, key, value)
                    return value
                if key in DBT_GLOBAL_MACROS:
                    value = unsupported_dbt_macro(key)
                    dict.__setitem__(self, key, value)
                    return value
            raise

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default  # noqa: SIM401 - self.get would recurse


def render_template(template: Template, ctx: LazyContext) -> str:
    context = template.new_context(ctx, shared=True)  # type: ignore[arg-type]
    lenient = RENDER_MODE.lenient
    RENDER_MODE.lenient = bool(getattr(ctx, "lenient", False))
    try:
        return template.environment.concat(template.root_render_func(context))  # type: ignore[attr-defined]
    except MacroReturn as ret:
        # return() at the top level of a model behaves like an early end of the text
        return str(ret.value)
    finally:
        RENDER_MODE.lenient = lenient


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


def template_frames(exc: BaseException) -> list[tuple[str | None, int | None]]:
    """(template name, line) of every Jinja frame ``exc`` went through, outermost first."""
    out: list[tuple[str | None, int | None]] = []
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            try:
                line = template.get_corresponding_lineno(tb.tb_lineno)
            except Exception:
                line = None
            if not out or out[-1] != (template.name, line):
                out.append((template.name, line))
        tb = tb.tb_next
    return out


def _locate(exc: BaseException, path: str) -> tuple[int | None, str | None]:
    """The line in ``path`` the failing call came from, and where deeper (a macro file) it
    was raised, if it was raised in another file."""
    frames = template_frames(exc)
    own = [line for name, line in frames if name == path]
    inner = frames[-1] if frames else None
    detail = None
    if inner is not None and inner[0] and inner[0] != path:
        detail = f"> in macro file {inner[0]}" + (f", line {inner[1]}" if inner[1] else "")
    return (own[-1] if own else None), detail


def render_error(exc: BaseException, path: str, node: str) -> DagwrightError:
    """A Jinja-time exception as a user-facing compilation error with file and line: the
    line of ``path`` (the model) the failing call came from, and the macro file and line
    where it was raised when that is another file."""
    if isinstance(exc, DagwrightError):
        if exc.path is None:
            exc.path = path
            line, detail = _locate(exc, path)
            exc.line = line or exc.line or template_line(exc)
            if detail and detail not in exc.message:
                exc.message += "\n  " + detail
        if exc.node is None:
            exc.node = node
        return exc
    if isinstance(exc, jinja2.TemplateSyntaxError):
        line, detail = exc.lineno, None
    else:
        line, detail = _locate(exc, path)
        line = line or template_line(exc)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if detail:
        message += "\n  " + detail
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


def macro_infos(
    text: str, relative_path: str
) -> list[tuple[str, int, tuple[str, ...], frozenset[str], tuple[str, ...]]]:
    """(name, line, arguments, names it reads, calls it makes (``rendering.calls``)) of the
    top-level macros a file defines."""
    env = environment()
    try:
        tree = env.parse(text)
    except jinja2.TemplateSyntaxError as exc:
        raise CompilationError(f"Jinja syntax error: {exc.message}", path=relative_path, line=exc.lineno) from None
    out = []
    for node in tree.find_all(jinja2.nodes.Macro):
        args = tuple(a.name for a in node.args)
        reads = frozenset(n.name for n in node.find_all(jinja2.nodes.Name) if n.ctx == "load") - set(args)
        calls: list[str] = []
        collect_calls(node, calls, tree_order=True)
        out.append((node.name, node.lineno, args, reads, tuple(dict.fromkeys(calls))))
    return out


#: names whose use in a macro can add dependencies or config to the model that calls it
DEPENDENCY_NAMES = frozenset({"ref", "source", "config", "adapter", "context", "dbt", "builtins", "caller"})
#: names a model calling the macro must be rendered at parse for, as dbt renders it: ``env_var``
#: fails there on a variable that is not set or is a secret (``DBT_ENV_SECRET*``)
PARSE_CHECKED_NAMES = frozenset({"env_var"})


def dependency_free_macros(reads: dict[str, frozenset[str]], packages: frozenset[str]) -> frozenset[str]:
    """Macros that can neither add a dependency nor change config, however they are called.

    A call of such a macro with literal arguments needs no rendering at parse time
    (``parse.static``). Computed as a fixpoint: a macro calling an impure macro is impure.
    """
    checked = DEPENDENCY_NAMES | PARSE_CHECKED_NAMES | packages
    impure = {name for name, names in reads.items() if names & checked}
    changed = True
    while changed:
        changed = False
        for name, names in reads.items():
            if name not in impure and names & impure:
                impure.add(name)
                changed = True
    return frozenset(reads) - impure
