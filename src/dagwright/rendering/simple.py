"""Rendering for configuration files, where only env_var() (and var()) make sense."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from dagwright.errors import ProjectError
from dagwright.rendering.environ import getenv

_ENV = jinja2.Environment(autoescape=False)


def render_env_only(text: str, path: Path | str, cli_vars: Mapping[str, Any] | None = None) -> str:
    def env_var(name: str, default: Any = None) -> Any:
        value = getenv(name)
        if value is not None:
            return value
        if default is not None:
            return default
        raise ProjectError(f"env var '{name}' is not set and env_var() was called without a default", path=path)

    def var(name: str, default: Any = None) -> Any:
        if cli_vars and name in cli_vars:
            return cli_vars[name]
        return default

    try:
        return _ENV.from_string(text).render(env_var=env_var, var=var)
    except jinja2.TemplateSyntaxError as exc:
        raise ProjectError(f"Jinja syntax error: {exc.message}", path=path, line=exc.lineno) from None
