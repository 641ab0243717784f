"""Jinja for YAML values: profiles.yml, dbt_project.yml and property files, as dbt renders them.

Natively (a value that is one expression keeps its type) in a sandbox, with dbt's conversion
filters ``as_bool``/``as_number``/``as_native``/``as_text``; each file gives its own names
(``env_var``, ``var``, ``target``...). ``PLAIN_ENV_VAR`` recognises the usual value, exactly
``{{ env_var('NAME') }}``, which needs no Jinja at all.
"""

from __future__ import annotations

import re
from ast import literal_eval
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

#: dbt's prefix of secret environment variables: readable in profiles.yml and packages.yml only
#: (dbt-core 1.11 checks the name for this prefix without a trailing underscore)
SECRET_ENV_PREFIX = "DBT_ENV_SECRET"


class Marker(str):
    """Output of dbt's conversion filters; tells the renderer what type to produce."""

    kind = "native"


class TextMarker(Marker):
    kind = "text"


class NumberMarker(Marker):
    kind = "number"


class BoolMarker(Marker):
    kind = "bool"


class RenderProblem(Exception):
    """A value that cannot be rendered: the message and hint for the caller's error."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _concat(values: Iterable[Any]) -> Any:
    parts = list(values)
    if not parts:
        return ""
    if len(parts) > 1:
        return "".join(str(p) for p in parts)
    raw = parts[0]
    import jinja2  # loaded already: this runs inside a Jinja render

    if isinstance(raw, jinja2.Undefined):
        str(raw)  # raises UndefinedError in a strict environment
    if isinstance(raw, TextMarker):
        return str(raw)
    if not isinstance(raw, Marker):
        return raw
    try:
        result = literal_eval(str(raw).strip())
    except (ValueError, SyntaxError, MemoryError, TypeError):
        result = str(raw)
    if raw.kind == "bool" and not isinstance(result, bool):
        text = str(raw).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise RenderProblem("as_bool was given a value that is not a boolean")
    if raw.kind == "number" and (isinstance(result, bool) or not isinstance(result, (int, float))):
        raise RenderProblem("as_number was given a value that is not a number")
    return result


def native_environment(strict: bool) -> jinja2.Environment:
    """A sandboxed Jinja environment that renders native values, with dbt's conversion filters;
    ``strict``: an undefined name fails when printed (else it prints as nothing). Built on
    first use: the usual value needs only ``env_var`` (see ``PLAIN_ENV_VAR``), and importing
    Jinja would be a tenth of a warm parse."""
    import jinja2
    from jinja2.nativetypes import NativeCodeGenerator, NativeTemplate
    from jinja2.sandbox import SandboxedEnvironment

    class _ProfileTemplate(NativeTemplate):
        pass

    class _ProfileEnvironment(SandboxedEnvironment):
        code_generator_class = NativeCodeGenerator
        template_class = _ProfileTemplate
        concat = staticmethod(_concat)

    _ProfileTemplate.environment_class = _ProfileEnvironment
    env = _ProfileEnvironment(undefined=jinja2.StrictUndefined if strict else jinja2.Undefined, autoescape=False)
    env.filters.update(as_bool=BoolMarker, as_number=NumberMarker, as_native=Marker, as_text=TextMarker)
    return env


#: a value that is exactly ``{{ env_var('NAME') }}`` or ``{{ env_var('NAME', 'default') }}``
#: with plain string literals (no escapes): Jinja would return env_var's result unchanged
PLAIN_ENV_VAR = re.compile(r"""\{\{\s*env_var\(\s*(['"])([^'"\\\n]*)\1\s*(?:,\s*(['"])([^'"\\\n]*)\3\s*)?\)\s*\}\}""")
