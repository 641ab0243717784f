"""Jinja in property files (schema YAML), rendered when the project is parsed, as dbt renders it.

dbt renders every string of a ``models:``/``seeds:``/``snapshots:``/``sources:``/... entry when
it reads the file, natively (a value that is one expression keeps its type: ``"{{ target.name
== 'prod' }}"`` is a boolean, while a constant such as ``"{{ false }}"`` comes out as the text
``False``), with a small context: ``target``, ``var`` (the package's vars and ``--vars``),
``env_var`` (never a secret one), ``project_name`` and the other base names; no macros, ``ref``
or ``source``. Some keys are left for later:

- descriptions (rendered with ``doc()`` once docs are known), ``tests``/``data_tests`` (their
  arguments are rendered when the test compiles), ``loaded_at_query`` (when freshness runs);
- ``config.pre_hook``/``config.post_hook`` written with an underscore (dbt checks only that
  spelling: ``pre-hook`` is rendered here, where ``this`` is undefined and prints as nothing);
- inside ``columns``, each column's ``description`` and tests.

A generic test's config (``config:`` and the legacy top-level keys such as ``severity``) is
rendered too, but only the strings directly under it (``tags: ["{{ ... }}"]`` stays as is).

Strings without ``{{``, ``{%`` or ``{#`` are returned untouched, without Jinja: most files
have none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagwright.errors import CompilationError, DagwrightError, ProjectError
from dagwright.project.native_jinja import SECRET_ENV_PREFIX, native_environment

if TYPE_CHECKING:
    from dagwright.rendering.context import RunContext

Keypath = tuple[str | int, ...]

#: keys of an entry (or of one of its columns) whose values are rendered later, not when read
_LATER = frozenset({"tests", "data_tests", "description", "loaded_at_query"})
_LATER_IN_CONFIG = frozenset({"pre_hook", "post_hook", "loaded_at_query"})
_COLUMN_LISTS = frozenset({"columns", "dimensions", "measures", "entities"})


def has_jinja(value: str) -> bool:
    return "{{" in value or "{%" in value or "{#" in value


def _later_in_entry(keypath: Keypath) -> bool:
    """Whether dbt leaves the value at ``keypath`` of a model/seed/snapshot/... entry for later."""
    n = len(keypath)
    if n >= 1 and keypath[0] in _LATER:
        return True
    if n == 2 and keypath[1] in _LATER:
        return True
    if n >= 2 and keypath[0] == "config" and keypath[1] in _LATER_IN_CONFIG:
        return True
    if n == 5 and keypath[4] == "description":  # versions: [{columns: [{description}]}]
        return True
    return n >= 3 and keypath[0] in _COLUMN_LISTS and keypath[2] in ("tests", "data_tests", "description")


def rendered_later(key: str, keypath: Keypath) -> bool:
    """Whether the value at ``keypath`` of an entry under the top-level ``key`` is left unrendered."""
    if not keypath:
        return False
    if key == "sources":
        if keypath[0] in ("description", "loaded_at_query"):
            return True
        if len(keypath) >= 2 and keypath[0] == "config" and keypath[1] == "loaded_at_query":
            return True
        return keypath[0] == "tables" and _later_in_entry(keypath[2:])
    return _later_in_entry(keypath)


_ENVIRONMENT: Any = None
_TEMPLATES: dict[str, Any] = {}


def _environment() -> Any:
    """A sandboxed, native Jinja environment (dbt_project.yml's), with a lenient undefined:
    dbt prints an undefined name as nothing here, and fails only when it is called."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = native_environment(strict=False)
    return _ENVIRONMENT


class YamlRenderer:
    """Renders the values of one project's (or installed package's) property files."""

    def __init__(self, run: RunContext, package: str | None, root: Path | None = None) -> None:
        self.run = run
        self.package = package
        #: the project's folder: paths in errors are relative to it (the file is read for a line)
        self.root = root
        self._globals: dict[str, Any] | None = None

    def _context(self) -> dict[str, Any]:
        if self._globals is None:
            values = self.run.base_values(None, self.package)
            base_env_var = values["env_var"]

            def env_var(name: str, *default: Any) -> Any:
                if str(name).startswith(SECRET_ENV_PREFIX):
                    raise CompilationError(
                        f"secret environment variables ({SECRET_ENV_PREFIX}*) are allowed only in "
                        f"profiles.yml and packages.yml, and a property file reads {name!r}",
                        hint=f"use a variable whose name does not start with {SECRET_ENV_PREFIX}",
                    )
                return base_env_var(name, *default)

            values["env_var"] = env_var
            for name in ("ref", "source", "this", "config"):
                values.pop(name, None)
            self._globals = values
        return self._globals

    def value(self, text: str, path: str, keypath: Keypath = ()) -> Any:
        """``text`` rendered natively; the unchanged text when it has no Jinja."""
        if not has_jinja(text):
            return text
        import jinja2

        try:
            template = _TEMPLATES.get(text)
            if template is None:
                if len(_TEMPLATES) > 10_000:
                    _TEMPLATES.clear()
                template = _TEMPLATES[text] = _environment().from_string(text)
            result = template.render(self._context())
        except DagwrightError as exc:
            exc.path = exc.path or path
            exc.line = exc.line or self._line(path, keypath)
            raise
        except jinja2.TemplateSyntaxError as exc:
            raise self._error(text, f"Jinja syntax error: {exc.message}", path, keypath) from None
        except Exception as exc:  # an undefined name called, a filter failing...
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            raise self._error(text, message, path, keypath) from None
        if isinstance(result, jinja2.Undefined):
            return ""
        return result

    def _error(self, text: str, message: str, path: str, keypath: Keypath) -> ProjectError:
        return ProjectError(
            f"could not render {text!r}: {message}",
            path=path,
            line=self._line(path, keypath),
            hint="property files see target, var(), env_var() and project_name; not ref(), source() or macros",
        )

    def entry(self, entry: Mapping[str, Any], key: str, path: str, at: Keypath = ()) -> dict[str, Any]:
        """One entry of a property file's top-level ``key`` (``models``, ``sources``...),
        rendered by dbt's rules (see the module's docstring). ``at``: the entry's keypath in
        the file, for error lines."""
        return {k: self._walk(v, key, (k,), path, at) for k, v in entry.items()}

    def _walk(self, value: Any, key: str, keypath: Keypath, path: str, at: Keypath) -> Any:
        if isinstance(value, str):
            if not has_jinja(value) or rendered_later(key, keypath):
                return value
            return self.value(value, path, (*at, *keypath))
        if isinstance(value, Mapping):
            if rendered_later(key, keypath):
                return value
            return {k: self._walk(v, key, (*keypath, k), path, at) for k, v in value.items()}
        if isinstance(value, list):
            if rendered_later(key, keypath):
                return value
            return [self._walk(v, key, (*keypath, i), path, at) for i, v in enumerate(value)]
        return value

    def _line(self, path: str, keypath: Keypath) -> int | None:
        if not keypath or self.root is None:
            return None
        from dagwright.project.yamlio import line_of

        return line_of(self.root / path, keypath)

    def test_config(self, config: Mapping[str, Any], path: str) -> dict[str, Any]:
        """A generic test's config: the strings directly under it rendered, as dbt's test
        builder does (lists and mappings, such as ``tags`` or ``meta``, stay as written)."""
        out = {}
        for key, value in config.items():
            if isinstance(value, str) and has_jinja(value):
                value = self.value(value, path)
                if key == "limit" and isinstance(value, str) and value.strip().isdigit():
                    value = int(value)  # dbt reads the text into the config's integer field
            out[key] = value
        return out


def check_enabled(
    config: Mapping[str, Any], path: str, where: str, line: Callable[[], int | None] | None = None
) -> None:
    """``enabled`` must be a boolean: dbt rejects a project whose rendered value is text (a
    constant such as ``"{{ false }}"`` renders as the text ``False``), so dagwright does too
    rather than read any text as true."""
    value = config.get("enabled", True)
    if isinstance(value, bool):
        return
    raise ProjectError(
        f"'enabled' of {where} must be true or false, got {value!r}",
        path=path,
        line=line() if line else None,
        hint='a Jinja constant such as "{{ false }}" renders as text in YAML; write false, '
        "or an expression such as \"{{ target.name == 'prod' }}\"",
    )
