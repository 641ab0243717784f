"""The parse cache: target/dagwright_parse.msgpack.

A parsed project is reused when nothing it was parsed from has changed: the content of
every file parse reads (models, seeds, snapshots, tests, macros, property files, docs,
dbt_project.yml, dagwright's own macros, each by path and sha256), the profile target (its
printable fields), the vars given on the command line, the values of the environment
variables templates read while parsing, and dagwright's version. Unlike dbt's partial
parsing, any change re-parses the whole project: an edited macro changes what every
model calling it (directly or through another macro) renders to, a var or env var can
switch a config anywhere, and a re-parse costs well under a second, so there is nothing
worth the risk of a stale node.

Below the whole-project entry, the cache keeps per-file results that depend only on a
file's text: the macros each macro file defines (a Jinja parse of about 100 files on every
cold start otherwise) and the static analysis of model files. They are used when the
project must be re-parsed.

msgpack, not pickle: a cache file in a project folder can come from anywhere, and
reading it must not run code. Values of unknown types make the project uncachable
(it is then parsed each time, as without a cache).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import fields
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import msgpack

from dagwright import __version__
from dagwright.parse.nodes import (
    ColumnInfo,
    DocBlock,
    Exposure,
    Group,
    Macro,
    Manifest,
    Node,
    Operation,
    RefCall,
    SemanticNode,
    SourceCall,
    SourceTable,
    UnitTest,
)
from dagwright.parse.static import Expr

log = logging.getLogger(__name__)

CACHE_FILE = "dagwright_parse.msgpack"

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Node,
        RefCall,
        SourceCall,
        ColumnInfo,
        SourceTable,
        Macro,
        Operation,
        DocBlock,
        Manifest,
        Expr,
        Exposure,
        Group,
        SemanticNode,
        UnitTest,
    )
}


def _code_stamp() -> list[tuple[str, int, int]]:
    """(file, mtime, size) of dagwright's own modules: a parse made by other code (an
    upgrade, or an edit in a development checkout) is not reused."""
    package = Path(__file__).resolve().parent.parent
    out = []
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        out.append((str(path.relative_to(package)), stat.st_mtime_ns, stat.st_size))
    return out


#: changes with dagwright's version or code, and when a cached class's fields change: older files then miss
FORMAT = hashlib.sha256(
    repr([__version__, _code_stamp(), sorted((n, [f.name for f in fields(c)]) for n, c in _CLASSES.items())]).encode()
).hexdigest()

_TUPLE, _OBJECT, _FROZENSET, _PROXY = 1, 2, 3, 4


class _Uncachable(Exception):
    pass


# Each cached class is written as a list of its field values in declaration order, with the
# fields whose declared type says "tuple of", "mapping to" or "one of" a cached class (or
# frozenset) converted by that declaration; decoding converts them back. Any other value
# goes to msgpack as is, and the rare tuple or cached object inside it (a config value,
# an Expr argument) through an extension type, so every value comes back with its type.
# Tagging every tuple with an extension type instead made the cache cost as much as a
# cold parse.
_OBJ = re.compile(r"^(\w+)$")
_TUPLE_OF = re.compile(r"^tuple\[(\w+), \.\.\.\]$")
_MAP_OF = re.compile(r"^Mapping\[str, (\w+(?:\[str\])?)\]$")


def _plan(cls: type) -> list[tuple[str, str, str]]:
    """(field, how, class name) for each field of ``cls``."""
    plan = []
    for f in fields(cls):
        kind = str(f.type)
        how, inner = "free", ""
        if (m := _OBJ.match(kind)) and m.group(1) in _CLASSES:
            how, inner = "obj", m.group(1)
        elif m := _TUPLE_OF.match(kind):
            how, inner = ("tuple_obj", m.group(1)) if m.group(1) in _CLASSES else ("tuple", "")
        elif m := _MAP_OF.match(kind):
            if m.group(1) in _CLASSES:
                how, inner = "map_obj", m.group(1)
            elif m.group(1) == "frozenset[str]":
                how = "map_frozenset"
        elif kind == "tuple[tuple[str, Any], ...]":
            how = "pairs"
        plan.append((f.name, how, inner))
    return plan


_PLANS = {name: _plan(cls) for name, cls in _CLASSES.items()}
_IDS = {name: i for i, name in enumerate(sorted(_CLASSES))}
_NAMES = {i: name for name, i in _IDS.items()}


def _field_encoder(how: str, inner: str, expr: str) -> str:
    """Python source that encodes the field value ``expr`` (an expression without side effects)."""
    if how == "free":
        return expr
    if how == "obj":
        code = f"_enc_{inner}({expr})"
    elif how == "tuple":
        code = f"list({expr})"
    elif how == "tuple_obj":
        code = f"[_enc_{inner}(v) for v in {expr}]"
    elif how == "map_obj":
        code = f"{{k: _enc_{inner}(v) for k, v in {expr}.items()}}"
    elif how == "map_frozenset":
        code = f"{{k: sorted(v) for k, v in {expr}.items()}}"
    else:  # pairs
        code = f"[[k, v] for k, v in {expr}]"
    return f"(None if {expr} is None else {code})"


def _field_decoder(how: str, inner: str, expr: str) -> str:
    if how == "free":
        return expr
    if how == "obj":
        code = f"_dec_{inner}({expr})"
    elif how == "tuple":
        code = f"tuple({expr})"
    elif how == "tuple_obj":
        code = f"tuple([_dec_{inner}(v) for v in {expr}])"
    elif how == "map_obj":
        code = f"{{k: _dec_{inner}(v) for k, v in {expr}.items()}}"
    elif how == "map_frozenset":
        code = f"{{k: frozenset(v) for k, v in {expr}.items()}}"
    else:
        code = f"tuple([(k, v) for k, v in {expr}])"
    return f"(None if {expr} is None else {code})"


def _compile_codecs() -> dict[str, Any]:
    """An encoder and a decoder function per cached class, generated from its fields: a
    generic loop over fields cost as much as the rest of writing the cache."""
    lines = []
    for name, plan in _PLANS.items():
        values = ", ".join(_field_encoder(how, inner, f"d[{f!r}]") for f, how, inner in plan)
        lines.append(f"def _enc_{name}(o):\n    d = o.__dict__\n    return [{_IDS[name]}, {values}]")
        attributes = ", ".join(
            f"{f!r}: {_field_decoder(how, inner, f'data[{i + 1}]')}" for i, (f, how, inner) in enumerate(plan)
        )
        lines.append(
            f"def _dec_{name}(data):\n    o = _new(_cls_{name})\n    o.__dict__.update({{{attributes}}})\n    return o"
        )
    namespace: dict[str, Any] = {"_new": object.__new__}
    namespace.update({f"_cls_{name}": cls for name, cls in _CLASSES.items()})
    exec("\n\n".join(lines), namespace)  # code generated above from dataclass fields only
    return namespace


_CODECS = _compile_codecs()


def _encode(obj: Any) -> list[Any]:
    return _CODECS[f"_enc_{type(obj).__name__}"](obj)


def _decode(data: list[Any]) -> Any:
    return _CODECS[f"_dec_{_NAMES[data[0]]}"](data)


def _default(value: Any) -> Any:
    if type(value) is tuple:
        return msgpack.ExtType(_TUPLE, _pack(list(value)))
    if type(value) is frozenset:
        return msgpack.ExtType(_FROZENSET, _pack(sorted(value)))
    if type(value) is MappingProxyType:
        return msgpack.ExtType(_PROXY, _pack(dict(value)))
    name = type(value).__name__
    if _CLASSES.get(name) is type(value):
        return msgpack.ExtType(_OBJECT, _pack(_encode(value)))
    raise _Uncachable(f"cannot cache a value of type {type(value).__name__}")


def _pack(value: Any) -> bytes:
    return msgpack.packb(value, default=_default, strict_types=True, use_bin_type=True)


def _ext(code: int, data: bytes) -> Any:
    value = _unpack(data)
    if code == _TUPLE:
        return tuple(value)
    if code == _FROZENSET:
        return frozenset(value)
    if code == _PROXY:
        return MappingProxyType(value)
    if code == _OBJECT:
        return _decode(value)
    raise ValueError(f"unknown msgpack extension {code}")


def _unpack(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_ext, raw=False, strict_map_key=False, use_list=True)


def _encode_parts(static_parts: Mapping[str, Any]) -> dict[str, Any]:
    """Static parts (text and Expr values) by key; None (not static) kept."""
    enc = _CODECS["_enc_Expr"]
    return {
        key: None if parts is None else [p if type(p) is str else enc(p) for p in parts]
        for key, parts in static_parts.items()
    }


def _decode_parts(data: Mapping[str, Any]) -> dict[str, Any]:
    dec = _CODECS["_dec_Expr"]
    return {
        key: None if parts is None else tuple([p if type(p) is str else dec(p) for p in parts])
        for key, parts in data.items()
    }


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def env_digests(names: Iterable[str]) -> dict[str, str | None]:
    """name -> sha256 of its current value (None when unset): the values are not stored."""
    from dagwright.project.environ import getenv

    out: dict[str, str | None] = {}
    for name in sorted(names):
        value = getenv(name)
        out[name] = None if value is None else file_digest(value.encode("utf-8", "surrogatepass"))
    return out


def inputs_key(files: Iterable[tuple[str, str]], settings: Mapping[str, Any]) -> str:
    """One digest of (path, content digest) pairs and the settings parse depends on."""
    h = hashlib.sha256(FORMAT.encode())
    for path, digest in sorted(files):
        h.update(f"\0{path}\0{digest}".encode())
    h.update(b"\1")
    try:
        h.update(_pack(dict(settings)))
    except (_Uncachable, TypeError, ValueError):
        h.update(repr(sorted(settings.items())).encode())
    return h.hexdigest()


class ParseCache:
    """One project's cache file: read once when a session starts, written after a parse."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Any] = {}
        try:
            raw = path.read_bytes()
        except OSError:
            return
        try:
            data = _unpack(raw)
        except Exception as exc:  # a truncated or foreign file is a miss, never an error
            log.debug("ignoring parse cache %s: %s", path, exc)
            return
        if isinstance(data, dict) and data.get("format") == FORMAT:
            self._data = data

    # -- per-file results ---------------------------------------------------------------
    @property
    def macro_infos(self) -> dict[str, Any]:
        """sha256 of a macro file's text -> its macro_infos result."""
        return self._data.get("macro_infos") or {}

    @cached_property
    def static_parts(self) -> dict[str, Any]:
        """sha256 of (pure macros, a model's text) -> its static parts (or None: not static)."""
        raw = self._data.get("static_parts")
        if not isinstance(raw, bytes):
            return {}
        try:
            return _decode_parts(_unpack(raw))
        except Exception as exc:
            log.debug("ignoring cached static parts: %s", exc)
            return {}

    # -- the whole project ------------------------------------------------------------------
    def project(self, key: str, flags: Mapping[str, Any]) -> tuple[Manifest, dict[str, Any]] | None:
        """(manifest, static parts by unique_id) when ``key`` and the env vars read match.

        The static parts are stored once, by text (``part_keys``: unique_id -> key)."""
        entry = self._data.get("project")
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        env = entry.get("env") or {}
        if env_digests(env) != env:
            return None
        read_flags = entry.get("flags") or {}
        if {name: flags.get(name) for name in read_flags} != read_flags:
            return None
        try:
            parts = self.static_parts
            return _decode(_unpack(entry["manifest"])), {uid: parts[key] for uid, key in entry["part_keys"].items()}
        except Exception as exc:
            log.debug("ignoring parse cache entry: %s", exc)
            return None

    def store(
        self,
        key: str,
        env_names: Iterable[str],
        flags: Mapping[str, Any],
        manifest: Manifest,
        part_keys: Mapping[str, str],
        macro_infos: Mapping[str, Any],
        file_parts: Mapping[str, Any],
    ) -> bool:
        """Write the cache file atomically; False (and nothing written) when a value cannot be cached."""
        from dagwright.artifacts.files import write_bytes_atomic

        try:
            data = {
                "format": FORMAT,
                "macro_infos": dict(macro_infos),
                "static_parts": _pack(_encode_parts(file_parts)),
                "project": {
                    "key": key,
                    "env": env_digests(env_names),
                    "flags": dict(flags),
                    "manifest": _pack(_encode(manifest)),
                    "part_keys": dict(part_keys),
                },
            }
            raw = _pack(data)
        except (_Uncachable, TypeError, ValueError, OverflowError) as exc:
            log.debug("not caching the parse: %s", exc)
            return False
        try:
            write_bytes_atomic(self.path, raw)
        except OSError as exc:
            log.debug("could not write the parse cache: %s", exc)
            return False
        return True
