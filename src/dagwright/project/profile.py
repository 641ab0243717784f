"""Load one connection target from profiles.yml, the way dbt does.

``load_target`` picks the profile and target, renders the target's Jinja (``env_var`` and
``var`` only, plus dbt's ``as_bool``/``as_number``/``as_native``/``as_text`` filters),
coerces the few fields that must be numbers, and splits the result into the common
fields (type, threads, schema, database) and adapter-specific ``Credentials``; each type's
own rules are in ``project.profile_types``.

No error message includes a secret: what a target holds as one (``project.credentials``) is
scrubbed from any error raised while it loads. This module is the public face of profile
loading: ``__all__`` names what other modules and the tests use, wherever it is defined.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagwright.errors import ProfileError, did_you_mean
from dagwright.project.credentials import (
    MASK,
    SECRET_KEYS,
    Credentials,
    Target,
    collect_secrets,
    is_secret_key,
    scrub,
    url_secrets,
)
from dagwright.project.native_jinja import PLAIN_ENV_VAR, SECRET_ENV_PREFIX, RenderProblem, native_environment
from dagwright.project.profile_types import profile_type
from dagwright.project.profile_types.base import CommonFields
from dagwright.project.profile_types.duckdb import duckdb_database_name
from dagwright.project.profiles_yml import PROFILES_FILE, KeyPath, find_profiles_dir, key_line, locate, read_profiles

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "MASK",
    "SECRET_ENV_PREFIX",
    "SECRET_KEYS",
    "Credentials",
    "Target",
    "duckdb_database_name",
    "find_profiles_dir",
    "is_secret_key",
    "load_target",
]

#: Top-level target keys that must be integers; digit strings are converted.
_INT_KEYS = frozenset({"threads", "port", "connect_timeout", "connect_retries", "retries", "keepalives_idle"})
_COMMON_KEYS = ("type", "threads", "schema", "database")
_INT_RE = re.compile(r"[+-]?\d+")
_NOT_SET = object()


class _Renderer:
    """profiles.yml's Jinja: ``env_var`` (noting the secret ones read) and ``var`` (--vars only)."""

    def __init__(self, cli_vars: Mapping[str, Any] | None) -> None:
        self.cli_vars = dict(cli_vars or {})
        self.touched_secret = False
        self.secret_values: set[str] = set()

    @cached_property
    def env(self) -> jinja2.Environment:
        env = native_environment(strict=True)
        env.globals.update(env_var=self._env_var, var=self._var)
        return env

    def _env_var(self, name: str, default: Any = None) -> Any:
        name = str(name)
        if name in os.environ:
            value = os.environ[name]
            if name.startswith(SECRET_ENV_PREFIX):
                self.touched_secret = True
                if value:
                    self.secret_values.add(value)
            return value
        if default is not None:
            return default
        raise RenderProblem(
            f"environment variable {name!r} is not set and env_var() has no default",
            hint=f"set {name} in the environment, or give a default: env_var('{name}', '...')",
        )

    def _var(self, name: str, default: Any = _NOT_SET) -> Any:
        name = str(name)
        if name in self.cli_vars:
            return self.cli_vars[name]
        if default is not _NOT_SET:
            return default
        raise RenderProblem(
            f"var({name!r}) is not defined (profiles.yml only sees --vars)",
            hint=f"pass it with --vars '{{{name}: ...}}', or give a default: var('{name}', '...')",
        )

    def render_string(self, text: str) -> tuple[Any, bool]:
        """The rendered value, and whether a secret env var was read while rendering."""
        self.touched_secret = False
        if "{{" not in text and "{%" not in text:
            return text, False
        if plain := PLAIN_ENV_VAR.fullmatch(text):
            return self._env_var(plain.group(2), plain.group(4)), self.touched_secret
        import jinja2

        try:
            value = self.env.from_string(text).render()
        except RenderProblem:
            raise
        except jinja2.TemplateSyntaxError as exc:
            raise RenderProblem(f"Jinja syntax error: {exc.message}")
        except jinja2.UndefinedError as exc:
            raise RenderProblem(f"Jinja error: {exc.message}", hint="only env_var() and var() exist here")
        except jinja2.TemplateError as exc:
            raise RenderProblem(f"Jinja error: {exc.message or type(exc).__name__}")
        except Exception as exc:
            raise RenderProblem(f"error while rendering: {type(exc).__name__}")
        return value, self.touched_secret


# --------------------------------------------------------------------------- loading


class _TargetProblems:
    """``TargetProblems`` of the target at ``tpath`` of the file ``loader`` reads."""

    def __init__(self, loader: _Loader, where: str, tpath: KeyPath) -> None:
        self.loader, self.where, self.tpath = loader, where, tpath

    def error(self, message: str, key: str | None = None, hint: str | None = None) -> ProfileError:
        return self.loader.error(message, self.tpath if key is None else (*self.tpath, key), hint)

    def ignored(self, item: str) -> None:
        self.loader.ignored.append(item)

    def shown(self, key: str, value: Any) -> str:
        return self.loader.shown((key,), value)


class _Loader:
    def __init__(self, path: Path, lines: dict[KeyPath, int], cli_vars: Mapping[str, Any] | None) -> None:
        self.path = path
        self.lines = lines
        self.renderer = _Renderer(cli_vars)
        self.secret_paths: set[KeyPath] = set()
        self.templated: set[KeyPath] = set()
        self.rendered: dict[str, Any] | None = None
        #: what the target sets and dagwright does not use (``Target.ignored``)
        self.ignored: list[str] = []

    def error(self, message: str, ypath: KeyPath = (), hint: str | None = None) -> ProfileError:
        return ProfileError(message, path=self.path, line=key_line(self.lines, ypath) if ypath else None, hint=hint)

    def render(self, value: Any, ypath: KeyPath, rel: KeyPath) -> Any:
        """Render every string in ``value``; ``rel`` is the path within the target."""
        if isinstance(value, str):
            try:
                rendered, secret = self.renderer.render_string(value)
            except RenderProblem as exc:
                where = ".".join(str(p) for p in ypath)
                raise self.error(f"{exc.message} (in {where})", ypath, exc.hint)
            if rendered is not value:
                self.templated.add(rel)
            if secret:
                self.secret_paths.add(rel)
            return rendered
        if isinstance(value, Mapping):
            return {k: self.render(v, (*ypath, k), (*rel, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.render(v, (*ypath, i), (*rel, i)) for i, v in enumerate(value)]
        return value

    def shown(self, rel: KeyPath, value: Any) -> str:
        """``value`` for an error message, masked if secret."""
        if rel in self.secret_paths or is_secret_key(rel[-1]):
            return MASK
        return repr(value)


def _names(keys: Iterable[Any]) -> list[str]:
    return [str(k) for k in keys]


def _find_key(mapping: Mapping[Any, Any], name: str) -> Any:
    if name in mapping:
        return name
    for k in mapping:
        if str(k) == name:
            return k
    return _NOT_SET


def _to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value.strip())
    return None


def load_target(
    profile_name: str,
    target_name: str | None,
    *,
    profiles_dir: str | Path | None,
    project_dir: Path,
    cli_vars: Mapping[str, Any] | None = None,
    threads: int | None = None,
    adapter_types: Collection[str] | None = None,
) -> Target:
    """Load ``profile_name``'s target ``target_name`` (None: the profile's ``target:``,
    else ``"default"``) from the profiles.yml that ``find_profiles_dir`` picks.

    Raises ProfileError (with the profiles.yml path, a line where known, and a hint) for
    every problem in the file. The adapter type is only checked when ``adapter_types``
    is given, and then before any adapter-specific key (so a misspelt type is the error
    reported, not a key that the misspelt adapter would need).
    """
    path = locate(profiles_dir, project_dir)
    data, lines = read_profiles(path)
    loader = _Loader(path, lines, cli_vars)
    try:
        return _load(loader, data, profile_name, target_name, threads, adapter_types)
    except ProfileError as exc:
        secrets = set(loader.renderer.secret_values) | _raw_secret_strings(data, profile_name)
        if loader.rendered is not None:
            for k, v in loader.rendered.items():
                collect_secrets(v, (k,), frozenset(loader.secret_paths), secrets)
        raise scrub(exc, secrets) from None


def _raw_secret_strings(data: Any, profile_name: str) -> set[str]:
    out: set[str] = set()
    if isinstance(data, Mapping):
        key = _find_key(data, profile_name)
        profile = data.get(key) if key is not _NOT_SET else None
        outputs = profile.get("outputs") if isinstance(profile, Mapping) else None
        if isinstance(outputs, Mapping):
            for output in outputs.values():
                if isinstance(output, Mapping):
                    for k, v in output.items():
                        collect_secrets(v, (k,), frozenset(), out)
    return out


def _load(
    loader: _Loader,
    data: Any,
    profile_name: str,
    target_name: str | None,
    threads: int | None,
    adapter_types: Collection[str] | None = None,
) -> Target:
    path = loader.path
    if data is None:
        raise loader.error(
            f"{PROFILES_FILE} is empty",
            hint=f"add a profile named {profile_name!r} with `target:` and `outputs:`",
        )
    if not isinstance(data, Mapping):
        raise ProfileError(
            f"{PROFILES_FILE} must be a mapping of profile names to profiles, not a {type(data).__name__}",
            path=path,
            line=1,
        )
    profiles = [k for k in data if str(k) != "config"]
    pkey = _find_key(data, profile_name) if profile_name != "config" else _NOT_SET
    if pkey is _NOT_SET:
        available = ", ".join(repr(p) for p in _names(profiles)) or "none"
        hint = did_you_mean(profile_name, _names(profiles))
        hint = (hint + " " if hint else "") + (
            f"add a profile named {profile_name!r} to {path}, or change `profile:` in dbt_project.yml"
        )
        raise loader.error(
            f"profile {profile_name!r} not found in {PROFILES_FILE}; available profiles: {available}",
            hint=hint,
        )
    ppath: KeyPath = (str(pkey),)
    profile = data[pkey]
    if not isinstance(profile, Mapping):
        raise loader.error(
            f"profile {profile_name!r} must be a mapping with `target:` and `outputs:`",
            ppath,
        )

    if target_name is None:
        tkey = _find_key(profile, "target")
        if tkey is _NOT_SET or profile[tkey] is None:
            target_name = "default"
        else:
            rendered = loader.render(profile[tkey], (*ppath, "target"), ("target",))
            target_name = str(rendered)
        source = "the profile's `target:`" if tkey is not _NOT_SET else "the default, as the profile has no `target:`"
        from_cli = False
    else:
        source = "--target"
        from_cli = True
    target_name = str(target_name)

    okey = _find_key(profile, "outputs")
    outputs = profile[okey] if okey is not _NOT_SET else None
    if not isinstance(outputs, Mapping) or not outputs:
        problem = "has no `outputs:`" if outputs is None else "has an empty or invalid `outputs:`"
        raise loader.error(
            f"profile {profile_name!r} {problem}",
            ppath + ((str(okey),) if okey is not _NOT_SET else ()),
            hint="add `outputs:` with at least one target, e.g. `dev: {type: duckdb, path: dev.duckdb}`",
        )
    tk = _find_key(outputs, target_name)
    if tk is _NOT_SET:
        names = _names(outputs)
        available = ", ".join(repr(n) for n in names)
        hint = did_you_mean(target_name, names)
        hint = (hint + " " if hint else "") + (
            f"use one of the available targets with --target, or add {target_name!r} under `outputs:`"
        )
        at = ppath if from_cli else (*ppath, "target")
        if not from_cli and _find_key(profile, "target") is _NOT_SET:
            at = (*ppath, "outputs")
        raise loader.error(
            f"profile {profile_name!r} has no target {target_name!r} (from {source}); available targets: {available}",
            at,
            hint=hint,
        )
    tpath: KeyPath = (*ppath, "outputs", str(tk))
    raw = outputs[tk]
    if not isinstance(raw, Mapping):
        raise loader.error(
            f"target {target_name!r} of profile {profile_name!r} must be a mapping of settings",
            tpath,
        )
    rendered: dict[str, Any] = {}
    loader.rendered = rendered
    for k, v in raw.items():
        key = str(k)
        rendered[key] = loader.render(v, (*tpath, key), (key,))
    return _build(loader, rendered, tpath, profile_name, target_name, threads, adapter_types)


def _coerce(loader: _Loader, values: dict[str, Any]) -> None:
    for key, value in list(values.items()):
        if not isinstance(value, str):
            continue
        if key in _INT_KEYS:
            as_int = _to_int(value)
            if as_int is not None:
                values[key] = as_int
        elif (
            (key,) in loader.templated
            and not is_secret_key(key)
            and (key,) not in loader.secret_paths
            and value.strip().lower() in ("true", "false")
        ):
            values[key] = value.strip().lower() == "true"


def _build(
    loader: _Loader,
    values: dict[str, Any],
    tpath: KeyPath,
    profile_name: str,
    target_name: str,
    threads_override: int | None,
    adapter_types: Collection[str] | None = None,
) -> Target:
    _coerce(loader, values)
    where = f"target {target_name!r} of profile {profile_name!r}"

    adapter_type = values.pop("type", None)
    if adapter_type is None or (isinstance(adapter_type, str) and not adapter_type.strip()):
        raise loader.error(
            f"{where} has no `type`",
            tpath,
            hint="add `type:` naming the adapter, e.g. `type: duckdb`",
        )
    if not isinstance(adapter_type, str):
        raise loader.error(f"{where}: `type` must be a string", (*tpath, "type"))
    adapter_type = adapter_type.strip()
    if adapter_types is not None and adapter_type not in adapter_types:
        raise loader.error(
            f"unknown adapter type {adapter_type!r} in {where}; dagwright supports: {', '.join(adapter_types)}",
            (*tpath, "type"),
            hint=did_you_mean(adapter_type, adapter_types),
        )

    if threads_override is not None:
        threads = _to_int(threads_override)
        if threads is None or threads < 1:
            raise ProfileError(
                f"--threads must be a positive integer, not {threads_override!r}",
                path=loader.path,
                hint="pass --threads 1 or more",
            )
        values.pop("threads", None)
    elif "threads" in values:
        raw_threads = values.pop("threads")
        threads = _to_int(raw_threads)
        if threads is None or threads < 1:
            raise loader.error(
                f"{where}: `threads` must be a positive integer, not {loader.shown(('threads',), raw_threads)}",
                (*tpath, "threads"),
                hint="set `threads:` to 1 or more",
            )
    else:
        threads = 1

    secret_fields = {k for k in ("type", "schema", "database") if (k,) in loader.secret_paths}

    rules = profile_type(adapter_type)
    schema = values.pop("schema", None)
    if schema is None and "dataset" in values:  # BigQuery's alias, read whatever the type
        schema = values.get("dataset")
        if ("dataset",) in loader.secret_paths:
            secret_fields.add("schema")
    database = values.pop("database", None)
    for alias in ("dbname", *rules.database_aliases):
        if database is None and alias in values:
            database = values.get(alias)
            if (alias,) in loader.secret_paths:
                secret_fields.add("database")
    fields = CommonFields(schema, database)
    rules.complete(values, fields, _TargetProblems(loader, where, tpath))
    schema, database = fields.schema, fields.database

    return Target(
        profile_name=profile_name,
        target_name=target_name,
        type=adapter_type,
        threads=threads,
        schema=str(schema),
        database="" if database is None else str(database),
        credentials=Credentials(values, (loader.secret_paths - {(k,) for k in _COMMON_KEYS}) | url_secrets(values)),
        profiles_path=loader.path,
        secret_fields=frozenset(secret_fields),
        ignored=tuple(loader.ignored),
    )
