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
import itertools
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
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
_TUPLE_OF_ANY = re.compile(r"^tuple\[.+, \.\.\.\]$")
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
        elif _TUPLE_OF_ANY.match(kind):
            # a tuple of plain values (constraints, ...): a list, not an extension type each
            # (most are empty: one extension type per node and field cost a third of the write)
            how = "tuple_any"
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
    elif how == "tuple_any":
        code = f"(list({expr}) if type({expr}) is tuple else _not_a_tuple({expr}))"
    elif how == "tuple_obj":
        code = f"[_enc_{inner}(v) for v in {expr}]"
    elif how == "map_obj":
        code = f"{{k: _enc_{inner}(v) for k, v in {expr}.items()}}"
    elif how == "map_frozenset":
        code = f"{{k: sorted(v) for k, v in {expr}.items()}}"
    else:  # pairs
        code = f"[[k, v] for k, v in {expr}]"
    return f"(None if {expr} is None else {code})"


#: fields whose strings repeat from node to node (a package's name, a parent's unique_id
#: in each child's depends_on...): decoded as one shared string each, as a parse shares
#: them (10,000 models: ~8 MB of copies otherwise)
_SHARED_STRINGS = {
    "resource_type",
    "package_name",
    "schema",
    "database",
    "language",
    "checksum_name",
    "patch_path",
    "package",
    "source_name",
    "RefCall.name",  # a parent's name in each child's refs
}
_SHARED_TUPLES = {"fqn", "depends_on", "depends_on_macros", "tags"}
#: the strings of the decode under way (``_shared``), emptied after each read of the file
_SEEN: dict[str, str] = {}
_same = _SEEN.setdefault


def _shared(value: Any) -> Any:
    """``value``, or the equal string decoded before (a config's top-level strings too)."""
    if type(value) is str:
        return _same(value, value)
    if type(value) is dict:
        return {k: _same(v, v) if type(v) is str else v for k, v in value.items()}
    return value


def _field_decoder(how: str, inner: str, expr: str, name: str = "") -> str:
    if how == "free":
        return f"_shared({expr})" if name in _SHARED_STRINGS or name == "config" else expr
    if how == "tuple" and name in _SHARED_TUPLES:
        return f"(None if {expr} is None else tuple([_same(x, x) if type(x) is str else x for x in {expr}]))"
    if how == "obj":
        code = f"_dec_{inner}({expr})"
    elif how in ("tuple", "tuple_any"):
        code = f"tuple({expr})"
    elif how == "tuple_obj":
        code = f"tuple([_dec_{inner}(v) for v in {expr}])"
    elif how == "map_obj":
        code = f"{{k: _dec_{inner}(v) for k, v in {expr}.items()}}"
    elif how == "map_frozenset":
        code = f"{{k: frozenset(v) if v else _no_nodes for k, v in {expr}.items()}}"
    else:
        code = f"tuple([(k, v) for k, v in {expr}])"
    return f"(None if {expr} is None else {code})"


#: classes of at most this many fields (and no ``__post_init__``: checked below) are made
#: by their ``__init__``
_SMALL = 8


def _compile_codecs() -> dict[str, Any]:
    """An encoder and a decoder function per cached class, generated from its fields: a
    generic loop over fields cost as much as the rest of writing the cache."""
    lines = []
    for name, plan in _PLANS.items():
        decoded = [
            _field_decoder(how, inner, f"data[{i + 1}]", f if f != "name" else f"{name}.name")
            for i, (f, how, inner) in enumerate(plan)
        ]
        cls = _CLASSES[name]
        if len(plan) <= _SMALL and not hasattr(cls, "__post_init__") and all(f.init for f in fields(cls)):
            # read and made through their attributes: the instance dict of a small object
            # (a ref call, an expression) is made only when ``__dict__`` is read, and then kept
            values = ", ".join(_field_encoder(how, inner, f"o.{f}") for f, how, inner in plan)
            lines.append(f"def _enc_{name}(o):\n    return [{_IDS[name]}, {values}]")
            lines.append(f"def _dec_{name}(data):\n    return _cls_{name}({', '.join(decoded)})")
            continue
        values = ", ".join(_field_encoder(how, inner, f"d[{f!r}]") for f, how, inner in plan)
        lines.append(f"def _enc_{name}(o):\n    d = o.__dict__\n    return [{_IDS[name]}, {values}]")
        attributes = ", ".join(f"{f!r}: {code}" for (f, _, _), code in zip(plan, decoded))
        lines.append(
            f"def _dec_{name}(data):\n    o = _new(_cls_{name})\n    o.__dict__.update({{{attributes}}})\n    return o"
        )
    namespace: dict[str, Any] = {
        "_new": object.__new__,
        "_not_a_tuple": _not_a_tuple,
        "_same": _same,
        "_shared": _shared,
        "_no_nodes": frozenset(),  # one for every node without parents or children
    }
    namespace.update({f"_cls_{name}": cls for name, cls in _CLASSES.items()})
    exec("\n\n".join(lines), namespace)  # code generated above from dataclass fields only
    # the manifest's own fields one by one, for the streamed file (``_manifest_chunks``)
    for field_name, how, inner in _PLANS["Manifest"]:
        for side, code in (("enc", _field_encoder(how, inner, "v")), ("dec", _field_decoder(how, inner, "v"))):
            exec(f"def _{side}_Manifest_{field_name}(v):\n    return {code}", namespace)
    return namespace


def _not_a_tuple(value: Any) -> Any:
    raise _Uncachable(f"a tuple field holds a {type(value).__name__}")


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


def _unpacker(file: Any) -> msgpack.Unpacker:
    """Reads the cache file object by object (max_buffer_size 0: no limit on one object's size)."""
    return msgpack.Unpacker(file, ext_hook=_ext, raw=False, strict_map_key=False, use_list=True, max_buffer_size=0)


def _manifest_chunks(packer: msgpack.Packer, manifest: Manifest) -> Iterator[bytes]:
    """The bytes ``_pack(_encode(manifest))`` makes, made a node at a time: the manifest's maps
    of objects (its nodes...) are packed entry by entry, so no encoded copy of the whole
    manifest, nor its bytes, is ever held (10,000 models: ~12 MB of bytes and more of lists)."""
    plan = _PLANS["Manifest"]
    values = manifest.__dict__
    yield packer.pack_array_header(len(plan) + 1)
    yield packer.pack(_IDS["Manifest"])
    for name, how, inner in plan:
        value = values[name]
        if how != "map_obj":
            yield packer.pack(_CODECS[f"_enc_Manifest_{name}"](value))
            continue
        if not isinstance(value, Mapping):
            raise _Uncachable(f"the manifest's {name} is a {type(value).__name__}")
        encode = _CODECS[f"_enc_{inner}"]
        yield packer.pack_map_header(len(value))
        for key, item in value.items():
            yield packer.pack(key)
            yield packer.pack(encode(item))


def _read_manifest(unpacker: msgpack.Unpacker) -> Manifest:
    """The manifest ``_manifest_chunks`` wrote, decoded an entry at a time (no undecoded
    copy of the whole manifest beside the objects)."""
    plan = _PLANS["Manifest"]
    if unpacker.read_array_header() != len(plan) + 1 or unpacker.unpack() != _IDS["Manifest"]:
        raise ValueError("not a manifest")
    values: dict[str, Any] = {}
    for name, how, inner in plan:
        if how != "map_obj":
            values[name] = _CODECS[f"_dec_Manifest_{name}"](unpacker.unpack())
            continue
        decode = _CODECS[f"_dec_{inner}"]
        entries: dict[str, Any] = {}
        for _ in range(unpacker.read_map_header()):
            key = unpacker.unpack()
            entries[key] = decode(unpacker.unpack())
        values[name] = entries
    manifest = object.__new__(Manifest)
    manifest.__dict__.update(values)
    return manifest


class ParseCache:
    """One project's cache file: its header read when a session starts, the rest when used;
    written after a parse.

    The file is three msgpack objects one after the other: the header (format, the macro
    files' results, the project's key and what it read), the static parts by key, and the
    manifest (streamed: see ``_manifest_chunks``). A command that finds the key changed reads
    only the first two; one that reuses the parse decodes the manifest as it reads it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Any] = {}
        #: where the static parts start, and the manifest (once the parts are read)
        self._parts_at = 0
        self._manifest_at = 0
        try:
            with path.open("rb") as file:
                unpacker = _unpacker(file)
                header = unpacker.unpack()
                self._parts_at = unpacker.tell()
        except OSError:
            return
        except Exception as exc:  # a truncated or foreign file is a miss, never an error
            log.debug("ignoring parse cache %s: %s", path, exc)
            return
        if isinstance(header, dict) and header.get("format") == FORMAT:
            self._data = header

    # -- per-file results ---------------------------------------------------------------
    @property
    def macro_infos(self) -> dict[str, Any]:
        """sha256 of a macro file's text -> its macro_infos result."""
        return self._data.get("macro_infos") or {}

    @cached_property
    def static_parts(self) -> dict[str, Any]:
        """sha256 of (pure macros, a model's text) -> its static parts (or None: not static)."""
        if not self._data:
            return {}
        try:
            with self.path.open("rb") as file:
                file.seek(self._parts_at)
                unpacker = _unpacker(file)
                parts = _decode_parts(unpacker.unpack())
                self._manifest_at = self._parts_at + unpacker.tell()
                return parts
        except Exception as exc:
            log.debug("ignoring cached static parts: %s", exc)
            return {}
        finally:
            _SEEN.clear()

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
            if not self._manifest_at:
                return None
            with self.path.open("rb") as file:
                file.seek(self._manifest_at)
                manifest = _read_manifest(_unpacker(file))
            return manifest, {uid: parts[key] for uid, key in entry["part_keys"].items()}
        except Exception as exc:
            log.debug("ignoring parse cache entry: %s", exc)
            return None
        finally:
            _SEEN.clear()

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
        from dagwright.artifacts.files import write_chunks_atomic

        packer = msgpack.Packer(default=_default, strict_types=True, use_bin_type=True)
        try:
            header = {
                "format": FORMAT,
                "macro_infos": dict(macro_infos),
                "project": {
                    "key": key,
                    "env": env_digests(env_names),
                    "flags": dict(flags),
                    "part_keys": dict(part_keys),
                },
            }
            head = [packer.pack(header), packer.pack(_encode_parts(file_parts))]
            write_chunks_atomic(self.path, itertools.chain(head, _manifest_chunks(packer, manifest)))
        except (_Uncachable, TypeError, ValueError, OverflowError) as exc:
            log.debug("not caching the parse: %s", exc)
            return False
        except OSError as exc:
            log.debug("could not write the parse cache: %s", exc)
            return False
        return True
