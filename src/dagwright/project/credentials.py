"""Secrets in a profile's target, and the target as the rest of dagwright sees it.

Secrets never leave ``Credentials`` in readable form except through ``Credentials.get`` /
``[]`` (which the adapter needs to connect): ``repr``/``str``/``safe_dict`` mask them, and
``scrub`` takes them out of an error's message. A secret is a key named like one (at any
depth, whatever the engine), a value rendered from a ``DBT_ENV_SECRET_*`` environment
variable, or a connection URL that carries a credential.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagwright.errors import ProfileError

MASK = "****"

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

_MIN_SCRUB_LEN = 3

#: where a value sits in a target: its keys (and list indexes) from the target down
SecretPath = tuple[Any, ...]


def is_secret_key(key: object) -> bool:
    """Whether a credentials key (at any nesting level) holds a secret by its name."""
    if not isinstance(key, str):
        return False
    k = key.lower()
    return k in SECRET_KEYS or any(word in k for word in _SECRET_WORDS)


def _freeze_copy(value: Any) -> Any:
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


def _mask(value: Any, path: SecretPath, secret_paths: frozenset[SecretPath]) -> Any:
    if path in secret_paths or (path and is_secret_key(path[-1])):
        return MASK
    if isinstance(value, Mapping):
        return {k: _mask(v, (*path, k), secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, (*path, i), secret_paths) for i, v in enumerate(value)]
    return value


def collect_secrets(value: Any, path: SecretPath, secret_paths: frozenset[SecretPath], out: set[str]) -> None:
    if path in secret_paths or (path and is_secret_key(path[-1])):
        _strings_in(value, out)
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            collect_secrets(v, (*path, k), secret_paths, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            collect_secrets(v, (*path, i), secret_paths, out)


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

    def __init__(self, data: Mapping[str, Any] | None = None, secret_paths: Iterable[SecretPath] = ()) -> None:
        self._data: dict[str, Any] = copy.deepcopy(dict(data or {}))
        self._secret_paths: frozenset[SecretPath] = frozenset(tuple(p) for p in secret_paths)

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
            collect_secrets(v, (k,), self._secret_paths, out)
        return frozenset(out)


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
    #: keys the target sets that dagwright does not use and that change no outcome, as items of
    #: the command's "ignored: ..." warning line (names only: never a value)
    ignored: tuple[str, ...] = field(default=(), compare=False)

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


def url_secrets(values: Mapping[str, Any]) -> set[SecretPath]:
    """Connection URLs that carry a credential (a Spark Connect ``sc://host/;token=...``) are
    secret as a whole: masked when shown, scrubbed from messages."""
    pattern = re.compile(r"[;?&/]\s*[\w.-]*(token|secret|password)[\w.-]*=", re.IGNORECASE)
    urls = {key: values.get(key) for key in ("host", "connect_url")}
    return {(key,) for key, url in urls.items() if isinstance(url, str) and pattern.search(url)}


def scrub(exc: ProfileError, secrets: Iterable[str]) -> ProfileError:
    """``exc`` with every secret of ``secrets`` in its message and hint replaced by the mask."""
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
