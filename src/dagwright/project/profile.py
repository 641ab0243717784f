"""Find profiles.yml and load one connection target from it, the way dbt does.

``load_target`` picks the profile and target, renders the target's Jinja (``env_var`` and
``var`` only, plus dbt's ``as_bool``/``as_number``/``as_native``/``as_text`` filters),
coerces the few fields that must be numbers, and splits the result into the common
fields (type, threads, schema, database) and adapter-specific ``Credentials``.

Secrets never leave this module in readable form except through ``Credentials.get`` /
``[]`` (which the adapter needs to connect): ``repr``/``str``/``safe_dict`` mask them,
and no error message includes one.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import yaml

from dagwright.errors import ProfileError, did_you_mean
from dagwright.project.native_jinja import PLAIN_ENV_VAR, SECRET_ENV_PREFIX, RenderProblem, native_environment
from dagwright.project.yamlio import error_line

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

MASK = "****"
PROFILES_FILE = "profiles.yml"

#: Keys whose values are always secret, whatever the adapter or auth method.
SECRET_KEYS = frozenset(
    {
        "password",
        "pass",
        "token",
        "private_key",
        "private_key_passphrase",
        "keyfile_json",
        "client_secret",
        "refresh_token",
        "keyfile",
    }
)
# Any key containing one of these words is treated as secret too (e.g. s3_secret_access_key,
# motherduck_token); masking too much only affects what is displayed.
_SECRET_WORDS = ("password", "secret", "token", "passphrase", "private_key")

#: Top-level target keys that must be integers; digit strings are converted.
_INT_KEYS = frozenset({"threads", "port", "connect_timeout", "connect_retries", "retries", "keepalives_idle"})
_COMMON_KEYS = ("type", "threads", "schema", "database")
_INT_RE = re.compile(r"[+-]?\d+")
_MOTHERDUCK_SCHEMES = frozenset({"md", "motherduck"})
_MIN_SCRUB_LEN = 3


def is_secret_key(key: object) -> bool:
    """Whether a credentials key (at any nesting level) holds a secret by its name."""
    if not isinstance(key, str):
        return False
    k = key.lower()
    return k in SECRET_KEYS or any(word in k for word in _SECRET_WORDS)


# --------------------------------------------------------------------------- credentials

_Path = tuple[Any, ...]


def _freeze_copy(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


def _mask(value: Any, path: _Path, secret_paths: frozenset[_Path]) -> Any:
    if path in secret_paths or (path and is_secret_key(path[-1])):
        return MASK
    if isinstance(value, Mapping):
        return {k: _mask(v, (*path, k), secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, (*path, i), secret_paths) for i, v in enumerate(value)]
    return value


def _collect_secrets(value: Any, path: _Path, secret_paths: frozenset[_Path], out: set[str]) -> None:
    if path in secret_paths or (path and is_secret_key(path[-1])):
        _strings_in(value, out)
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            _collect_secrets(v, (*path, k), secret_paths, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _collect_secrets(v, (*path, i), secret_paths, out)


def _strings_in(value: Any, out: set[str]) -> None:
    if isinstance(value, Mapping):
        for v in value.values():
            _strings_in(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings_in(v, out)
    elif value is not None and not isinstance(value, bool):
        text = str(value)
        if text:
            out.add(text)


class Credentials(Mapping[str, Any]):
    """The adapter-specific keys of a target (path, host, user, password, settings, ...).

    Read-only: ``get``/``[]`` return copies of nested dicts and lists. ``repr``/``str``
    and ``safe_dict`` mask secrets: keys named like secrets (``is_secret_key``, at any
    depth) and any value rendered from a ``DBT_ENV_SECRET_*`` environment variable.
    """

    __slots__ = ("_data", "_secret_paths")

    def __init__(self, data: Mapping[str, Any] | None = None, secret_paths: Iterable[_Path] = ()) -> None:
        self._data: dict[str, Any] = copy.deepcopy(dict(data or {}))
        self._secret_paths: frozenset[_Path] = frozenset(tuple(p) for p in secret_paths)

    def __getitem__(self, key: str) -> Any:
        return _freeze_copy(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Credentials):
            return self._data == other._data and self._secret_paths == other._secret_paths
        return NotImplemented

    def __hash__(self) -> int:
        return hash(json.dumps(self.safe_dict(), sort_keys=True, default=str))

    def __repr__(self) -> str:
        return f"Credentials({self.safe_dict()!r})"

    __str__ = __repr__

    def __copy__(self) -> Credentials:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Credentials:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Credentials, (self._data, self._secret_paths))

    def is_secret(self, key: str) -> bool:
        """Whether the top-level ``key`` is masked as a whole in ``safe_dict``."""
        return (key,) in self._secret_paths or is_secret_key(key)

    def safe_dict(self) -> dict[str, Any]:
        """A plain dict copy with every secret replaced by ``"****"``."""
        return {k: _mask(v, (k,), self._secret_paths) for k, v in self._data.items()}

    def secret_values(self) -> frozenset[str]:
        """The secret strings held here (for scrubbing logs and messages)."""
        out: set[str] = set()
        for k, v in self._data.items():
            _collect_secrets(v, (k,), self._secret_paths, out)
        return frozenset(out)


# --------------------------------------------------------------------------- target


@dataclass(frozen=True)
class Target:
    """One resolved output of a profile: what the adapter connects to."""

    profile_name: str
    target_name: str
    type: str
    threads: int
    schema: str
    database: str
    credentials: Credentials
    profiles_path: Path
    # common fields whose value came from a DBT_ENV_SECRET_ variable (masked in safe_dict)
    secret_fields: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def safe_dict(self) -> dict[str, Any]:
        """Every field, flattened like dbt's ``target`` context, secrets masked.

        Credentials keys come first; the common fields (``profile_name``, ``target_name``,
        ``name`` (dbt's alias of target_name), ``type``, ``threads``, ``schema``,
        ``database``) override any credentials key of the same name. ``profiles_path``
        is included as a string.
        """
        out = self.credentials.safe_dict()
        common = {
            "profile_name": self.profile_name,
            "target_name": self.target_name,
            "name": self.target_name,
            "type": self.type,
            "threads": self.threads,
            "schema": self.schema,
            "database": self.database,
        }
        for key, value in common.items():
            out[key] = MASK if key in self.secret_fields else value
        out["profiles_path"] = str(self.profiles_path)
        return out

    def secret_values(self) -> frozenset[str]:
        """Every secret string of this target (for scrubbing logs and messages)."""
        extra = {str(getattr(self, f)) for f in self.secret_fields if str(getattr(self, f))}
        return self.credentials.secret_values() | extra

    def __repr__(self) -> str:
        return f"Target({self.safe_dict()!r})"

    __str__ = __repr__


# --------------------------------------------------------------------------- locating


def _default_dirs(project_dir: Path) -> list[Path]:
    dirs = [Path(project_dir).absolute()]
    cwd = Path.cwd()
    if cwd not in dirs:
        dirs.append(cwd)
    dirs.append(Path.home() / ".dbt")
    return dirs


def _explicit_dir(profiles_dir: str | Path | None) -> tuple[Path, str] | None:
    if profiles_dir is not None and str(profiles_dir) != "":
        return _as_dir(profiles_dir), "--profiles-dir"
    env = os.environ.get("DBT_PROFILES_DIR")
    if env:
        return _as_dir(env), "DBT_PROFILES_DIR"
    return None


def _as_dir(value: str | Path) -> Path:
    p = Path(value).expanduser()
    if p.name == PROFILES_FILE and p.is_file():
        p = p.parent
    return p.absolute()


def find_profiles_dir(profiles_dir: str | Path | None, project_dir: Path) -> Path:
    """The directory whose profiles.yml is used, in dbt's order.

    An explicit ``profiles_dir`` (--profiles-dir) wins, then ``$DBT_PROFILES_DIR``; both
    are returned even if they hold no profiles.yml. Otherwise the first of the project
    directory, the current directory (where dbt itself looks) and ``~/.dbt`` that has a
    profiles.yml; ``~/.dbt`` if none does.
    """
    explicit = _explicit_dir(profiles_dir)
    if explicit is not None:
        return explicit[0]
    dirs = _default_dirs(project_dir)
    for d in dirs:
        if (d / PROFILES_FILE).is_file():
            return d
    return dirs[-1]


def _locate(profiles_dir: str | Path | None, project_dir: Path) -> Path:
    explicit = _explicit_dir(profiles_dir)
    if explicit is not None:
        d, source = explicit
        path = d / PROFILES_FILE
        if not path.is_file():
            what = "does not exist" if not d.exists() else f"has no {PROFILES_FILE}"
            raise ProfileError(
                f"could not find {PROFILES_FILE}: the profiles directory {d} (from {source}) {what}",
                path=path,
                hint=f"create {path}, or point {source} at the directory that holds {PROFILES_FILE}",
            )
        return path
    dirs = _default_dirs(project_dir)
    for d in dirs:
        if (d / PROFILES_FILE).is_file():
            return d / PROFILES_FILE
    searched = ", ".join(str(d) for d in dirs)
    raise ProfileError(
        f"could not find {PROFILES_FILE}; looked in: {searched}",
        path=dirs[-1] / PROFILES_FILE,
        hint=f"create {PROFILES_FILE} in one of those directories, "
        "or pass --profiles-dir DIR (or set DBT_PROFILES_DIR)",
    )


# --------------------------------------------------------------------------- yaml


def _read_yaml(path: Path) -> tuple[Any, dict[_Path, int]]:
    """The parsed document and the 1-based line of every mapping key, by key path."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ProfileError(f"{PROFILES_FILE} is not valid UTF-8 ({exc.reason})", path=path)
    except OSError as exc:
        raise ProfileError(f"cannot read {PROFILES_FILE}: {exc.strerror or exc}", path=path)
    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_cls(text)
    try:
        node = loader.get_single_node()
        lines: dict[_Path, int] = {}
        if node is not None:
            _index_lines(node, (), lines)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = ": ".join(p for p in (exc.context, exc.problem) if p) or "syntax error"
        column = f", column {mark.column + 1}" if mark is not None else ""
        raise ProfileError(
            f"invalid YAML in {PROFILES_FILE}: {problem}{column}",
            path=path,
            line=error_line(exc, text)[0],
            hint="fix the YAML syntax (check indentation, colons and quoting) at that line",
        )
    except yaml.YAMLError as exc:
        raise ProfileError(f"invalid YAML in {PROFILES_FILE}: {type(exc).__name__}", path=path)
    finally:
        loader.dispose()
    return data, lines


def _index_lines(node: yaml.Node, path: _Path, lines: dict[_Path, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                sub = (*path, key_node.value)
                lines.setdefault(sub, key_node.start_mark.line + 1)
                _index_lines(value_node, sub, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = (*path, i)
            lines.setdefault(sub, item.start_mark.line + 1)
            _index_lines(item, sub, lines)


def _line(lines: Mapping[_Path, int], path: _Path) -> int | None:
    key = tuple(str(p) if not isinstance(p, int) else p for p in path)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return None


# --------------------------------------------------------------------------- jinja


_NOT_SET = object()


class _Renderer:
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


class _Loader:
    def __init__(self, path: Path, lines: dict[_Path, int], cli_vars: Mapping[str, Any] | None) -> None:
        self.path = path
        self.lines = lines
        self.renderer = _Renderer(cli_vars)
        self.secret_paths: set[_Path] = set()
        self.templated: set[_Path] = set()
        self.rendered: dict[str, Any] | None = None

    def error(self, message: str, ypath: _Path = (), hint: str | None = None) -> ProfileError:
        return ProfileError(message, path=self.path, line=_line(self.lines, ypath) if ypath else None, hint=hint)

    def render(self, value: Any, ypath: _Path, rel: _Path) -> Any:
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

    def shown(self, rel: _Path, value: Any) -> str:
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


def _url_secrets(values: Mapping[str, Any]) -> set[_Path]:
    """Connection URLs that carry a credential (a Spark Connect ``sc://host/;token=...``) are
    secret as a whole: masked when shown, scrubbed from messages."""
    pattern = re.compile(r"[;?&/]\s*[\w.-]*(token|secret|password)[\w.-]*=", re.IGNORECASE)
    urls = {key: values.get(key) for key in ("host", "connect_url")}
    return {(key,) for key, url in urls.items() if isinstance(url, str) and pattern.search(url)}


def duckdb_database_name(path: Any) -> str:
    """The catalog name DuckDB (and dbt-duckdb) gives the database at ``path``.

    ``":memory:"``/None -> ``"memory"``; ``"dev.duckdb"`` -> ``"dev"``; a file name with
    several dots keeps only its first non-empty part (``"my.db.duckdb"`` -> ``"my"``);
    MotherDuck ``md:name`` -> ``"name"`` (``"my_db"`` if empty); ``ducklake:x.ducklake``
    -> ``"x"``. Returns ``""`` when no name can be derived.
    """
    if path is None or path == ":memory:":
        return "memory"
    text = str(path)
    parsed = urlparse(text)
    scheme = parsed.scheme.lower()
    if len(scheme) == 1:  # a Windows drive letter, not a URL scheme
        scheme, url_path = "", text
    else:
        url_path = parsed.path
    base = re.split(r"[\\/]", url_path)[-1]
    if scheme in _MOTHERDUCK_SCHEMES:
        return os.path.splitext(base)[0] or "my_db"
    if scheme == "ducklake":
        return urlparse(os.path.splitext(base)[0]).path
    return next((part for part in base.split(".") if part), "")


def _scrub(exc: ProfileError, secrets: Iterable[str]) -> ProfileError:
    values = sorted((s for s in secrets if len(s) >= _MIN_SCRUB_LEN), key=len, reverse=True)
    if not values:
        return exc
    changed = False
    for attr in ("message", "hint"):
        text = getattr(exc, attr)
        if not text:
            continue
        new = text
        for s in values:
            new = new.replace(s, MASK)
        if new != text:
            setattr(exc, attr, new)
            changed = True
    if changed:
        exc.args = (exc.message,)
    return exc


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
    path = _locate(profiles_dir, project_dir)
    data, lines = _read_yaml(path)
    loader = _Loader(path, lines, cli_vars)
    try:
        return _load(loader, data, profile_name, target_name, threads, adapter_types)
    except ProfileError as exc:
        secrets = set(loader.renderer.secret_values) | _raw_secret_strings(data, profile_name)
        if loader.rendered is not None:
            for k, v in loader.rendered.items():
                _collect_secrets(v, (k,), frozenset(loader.secret_paths), secrets)
        raise _scrub(exc, secrets) from None


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
                        _collect_secrets(v, (k,), frozenset(), out)
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
    ppath: _Path = (str(pkey),)
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
    tpath: _Path = (*ppath, "outputs", str(tk))
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
    tpath: _Path,
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

    schema = values.pop("schema", None)
    if schema is None and "dataset" in values:  # BigQuery's alias
        schema = values.get("dataset")
        if ("dataset",) in loader.secret_paths:
            secret_fields.add("schema")
    database = values.pop("database", None)
    for alias in ("dbname",) + (("project",) if adapter_type == "bigquery" else ()):
        if database is None and alias in values:
            database = values.get(alias)
            if (alias,) in loader.secret_paths:
                secret_fields.add("database")

    if adapter_type == "duckdb":
        if values.get("path") is None:
            values["path"] = ":memory:"
        if schema is None:
            schema = "main"
        derived = duckdb_database_name(values["path"])
        if not derived:
            raise loader.error(
                f"{where}: cannot tell the database name from `path`",
                (*tpath, "path"),
                hint="make `path` name a file, e.g. `path: dev.duckdb`, or use `:memory:`",
            )
        if database is None:
            database = derived
        elif str(database) != derived:
            aliases = {
                str(a.get("alias")) for a in values.get("attach") or [] if isinstance(a, Mapping) and a.get("alias")
            }
            if not values.get("remote") and str(database) not in aliases:
                raise loader.error(
                    f"{where}: `database` {loader.shown(('database',), database)} does not match "
                    f"the database name {derived!r} that DuckDB gives the file in `path`",
                    (*tpath, "database"),
                    hint=f"set `database: {derived}` or remove `database:`",
                )
    elif schema is None:
        raise loader.error(
            f"{where} has no `schema`",
            tpath,
            hint="add `schema:` naming the schema models are built in",
        )

    return Target(
        profile_name=profile_name,
        target_name=target_name,
        type=adapter_type,
        threads=threads,
        schema=str(schema),
        database="" if database is None else str(database),
        credentials=Credentials(values, (loader.secret_paths - {(k,) for k in _COMMON_KEYS}) | _url_secrets(values)),
        profiles_path=loader.path,
        secret_fields=frozenset(secret_fields),
    )
