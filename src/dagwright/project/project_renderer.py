"""Rendering dbt_project.yml: its values are Jinja templates with a small context.

dbt renders every string of dbt_project.yml when it loads the project, with ``env_var``,
``var`` (command-line ``--vars`` only: the project's own ``vars:`` are not known yet) and
``target``, natively (``"{{ var('flag') }}"`` gives a boolean when the var is one). It leaves
for later the values it renders at run time with the full context: the run hooks
(``on-run-start``/``on-run-end``), ``query-comment``, ``vars``, and a node tree's
``pre-hook``/``post-hook`` wherever they sit under ``models:``, ``seeds:``, ``snapshots:``,
``tests:``/``data_tests:``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagwright.errors import ProjectError
from dagwright.project.environ import getenv
from dagwright.project.native_jinja import PLAIN_ENV_VAR, SECRET_ENV_PREFIX, RenderProblem, native_environment
from dagwright.project.yamlio import line_of

#: top-level keys rendered at run time, not when the project loads
_RENDERED_LATER = frozenset({"on-run-start", "on-run-end", "query-comment", "vars"})
_NODE_TREES = frozenset({"models", "seeds", "snapshots", "tests", "data_tests"})
_HOOKS = frozenset({"pre-hook", "post-hook", "pre_hook", "post_hook"})
#: a template that may read ``target`` (before the profile is loaded such a value waits)
_READS_TARGET = re.compile(r"\btarget\b")

Keypath = tuple[str | int, ...]

_UNSET = object()


def rendered_later(keypath: Keypath) -> bool:
    """Whether dbt leaves the value at ``keypath`` of dbt_project.yml for run time."""
    if not keypath:
        return False
    first = keypath[0]
    if first in _RENDERED_LATER:
        return True
    if first in _NODE_TREES:
        return any(isinstance(k, str) and k.lstrip("+ ") in _HOOKS for k in keypath)
    return False


class _Problem(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ProjectRenderer:
    """Renders dbt_project.yml's values. ``target`` is None before the profile is loaded: values
    that read it are then kept as written (and ``templated`` says a second pass is needed)."""

    def __init__(self, path: Path, cli_vars: Mapping[str, Any], target: Mapping[str, Any] | None) -> None:
        self.path = path
        self.cli_vars = cli_vars
        self.target = target
        #: whether any value is a template (so the project must be rendered again with the target)
        self.templated = False
        self._env: Any = None

    def render_project(self, data: Mapping[str, Any]) -> dict[str, Any]:
        return {key: self._walk(value, (str(key),)) for key, value in data.items()}

    def _walk(self, value: Any, keypath: Keypath) -> Any:
        if isinstance(value, Mapping):
            return {k: self._walk(v, (*keypath, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, (*keypath, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or ("{{" not in value and "{%" not in value):
            return value
        if rendered_later(keypath):
            return value
        self.templated = True
        if self.target is None and _READS_TARGET.search(value):
            return value
        try:
            return self._render(value)
        except _Problem as exc:
            where = ".".join(str(k) for k in keypath)
            raise ProjectError(
                f"could not render {where} ({value!r}): {exc.message}",
                path=self.path,
                line=line_of(self.path, keypath),
                hint=exc.hint,
            ) from None

    # -- Jinja ------------------------------------------------------------------------------
    def _environment(self) -> Any:
        if self._env is None:
            env = native_environment(strict=True)
            env.globals.update(env_var=self._env_var, var=self._var)
            if self.target is not None:
                env.globals["target"] = dict(self.target)
            self._env = env
        return self._env

    def _render(self, text: str) -> Any:
        # the usual value, exactly "{{ env_var('NAME') }}", needs no Jinja (a tenth of a warm parse to import)
        if plain := PLAIN_ENV_VAR.fullmatch(text):
            return self._env_var(plain.group(2), plain.group(4))
        import jinja2

        try:
            return self._environment().from_string(text).render()
        except _Problem:
            raise
        except RenderProblem as exc:
            raise _Problem(exc.message, exc.hint) from None
        except jinja2.TemplateSyntaxError as exc:
            raise _Problem(f"Jinja syntax error: {exc.message}") from None
        except jinja2.UndefinedError as exc:
            raise _Problem(
                f"Jinja error: {exc.message}", hint="dbt_project.yml sees env_var(), var() and target only"
            ) from None
        except jinja2.TemplateError as exc:
            raise _Problem(f"Jinja error: {exc.message or type(exc).__name__}") from None
        except Exception as exc:  # a filter or method failing inside the template
            raise _Problem(f"error while rendering: {type(exc).__name__}") from None

    def _env_var(self, name: Any, default: Any = None) -> Any:
        name = str(name)
        if name.startswith(SECRET_ENV_PREFIX):
            # dbt's rule: a secret rendered into the project's config would reach the manifest
            raise _Problem(
                f"secret environment variables ({SECRET_ENV_PREFIX}*) are allowed only in profiles.yml "
                f"and packages.yml, and dbt_project.yml reads {name!r}",
                hint=f"use a variable whose name does not start with {SECRET_ENV_PREFIX}",
            )
        value = getenv(name)
        if value is not None:
            return value
        if default is not None:
            return default
        raise _Problem(
            f"environment variable {name!r} is not set and env_var() has no default",
            hint=f"set {name} in the environment, or give a default: env_var('{name}', '...')",
        )

    def _var(self, name: Any, default: Any = _UNSET) -> Any:
        name = str(name)
        if name in self.cli_vars:
            return self.cli_vars[name]
        if default is not _UNSET:
            return default
        raise _Problem(
            f"var({name!r}) is not defined: dbt_project.yml sees only the vars given with --vars",
            hint=f"pass it with --vars '{{{name}: ...}}', or give a default: var('{name}', '...')",
        )
