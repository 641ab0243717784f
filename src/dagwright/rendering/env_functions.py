"""``var`` and ``env_var`` as the Jinja of models, macros and hooks sees them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagwright.errors import CompilationError, did_you_mean
from dagwright.project.environ import getenv
from dagwright.project.native_jinja import SECRET_ENV_PREFIX
from dagwright.rendering.jinja import current_template_line


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def var_function(vars_: Mapping[str, Any], node_name: str | None) -> Callable[..., Any]:
    def var(name: str, default: Any = MISSING) -> Any:
        if name in vars_:
            return vars_[name]
        if default is not MISSING:
            return default
        where = f" used by {node_name}" if node_name else ""
        raise CompilationError(
            f"required var '{name}'{where} is not defined",
            line=current_template_line(),
            hint=(did_you_mean(name, vars_) or "") + " define it under 'vars:' in dbt_project.yml or pass --vars",
        )

    var.has_var = lambda name: name in vars_  # type: ignore[attr-defined]
    return var


def env_var_function(node_name: str | None) -> Callable[..., Any]:
    def env_var(name: str, default: Any = MISSING) -> Any:
        if str(name).startswith(SECRET_ENV_PREFIX):
            # dbt's rule: a secret read by a model or macro would reach compiled SQL, the
            # manifest, run_results.json and the warehouse
            where = f" ({node_name})" if node_name else ""
            raise CompilationError(
                f"secret environment variables ({SECRET_ENV_PREFIX}*) are allowed only in profiles.yml "
                f"and packages.yml, and the Jinja of a model, macro or hook{where} reads {name!r}",
                line=current_template_line(),
                hint=f"pass the value some other way (a variable whose name does not start with "
                f"{SECRET_ENV_PREFIX}, or a credential of the profile)",
            )
        value = getenv(name)
        if value is not None:
            return value
        if default is not MISSING:
            return default
        raise CompilationError(
            f"env var '{name}' is not set and env_var() was called without a default",
            line=current_template_line(),
        )

    return env_var
