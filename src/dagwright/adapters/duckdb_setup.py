"""What dbt-duckdb does to a DuckDB database when it opens it, from the target's keys.

- ``config_options``: given to ``duckdb.connect``;
- ``extensions``: each installed (unless DuckDB has it already: a statically linked one
  would otherwise be downloaded again) and loaded; a name, or ``{name, repo}``;
- ``attach``: ``ATTACH IF NOT EXISTS`` of each database (``path``, ``alias``, ``type``,
  ``secret``, ``read_only``, ``options``), as dbt-duckdb writes the statement;
- ``settings``: ``SET key = 'value'`` on every connection (each worker's cursor), as
  dbt-duckdb sets them (DuckDB casts the text).

Names that reach SQL are checked to be plain identifiers; values go in as escaped literals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlparse

import duckdb

from dagwright.errors import ProfileError

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MOTHERDUCK_SCHEMES = frozenset({"md", "motherduck"})
_ATTACH_KEYS = frozenset({"path", "type", "alias", "secret", "read_only", "options", "is_ducklake"})


def literal(value: Any) -> str:
    """A DuckDB string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _name(value: Any, what: str) -> str:
    text = str(value)
    if not _IDENTIFIER.match(text):
        raise ProfileError(f"profile: {what} {text!r} is not a plain name", hint="use letters, digits and _")
    return text


def setting_statements(settings: Mapping[str, Any]) -> list[str]:
    """The ``SET`` statements run on every connection."""
    return [f"SET {_name(key, 'the setting')} = {literal(value)}" for key, value in settings.items()]


def load_extensions(db: duckdb.DuckDBPyConnection, extensions: Sequence[Any]) -> None:
    """Install (where DuckDB lacks it) and load each extension of the target."""
    if not extensions:
        return
    installed = {
        str(r[0]) for r in db.execute("select extension_name from duckdb_extensions() where installed").fetchall()
    }
    for extension in extensions:
        if isinstance(extension, Mapping):
            if not extension.get("name") or not extension.get("repo"):
                raise ProfileError(
                    "profile: an extension given as a mapping needs `name` and `repo`",
                    hint="write `- name: spatial` and `repo: <repository URL or name>`, or just the name",
                )
            name, repo = _name(extension["name"], "the extension"), str(extension["repo"])
        else:
            name, repo = _name(extension, "the extension"), None
        try:
            if repo is not None:
                if "://" in repo or "/" in repo:
                    db.install_extension(name, repository_url=repo)
                else:
                    db.install_extension(name, repository=repo)
            elif name not in installed:
                db.install_extension(name)
            db.load_extension(name)
        except duckdb.Error as exc:
            raise ProfileError(
                f"cannot install or load the DuckDB extension '{name}' of the target: {exc}",
                hint="check its name, the network, or install it beforehand (INSTALL in a DuckDB shell)",
            ) from None


def attach_statement(attachment: Mapping[str, Any]) -> str:
    """dbt-duckdb's ``ATTACH`` of one ``attach:`` entry."""
    if not isinstance(attachment, Mapping) or not attachment.get("path"):
        raise ProfileError("profile: each `attach` entry needs a `path`", hint="e.g. `- path: other.duckdb`")
    unknown = set(attachment) - _ATTACH_KEYS
    if unknown:
        raise ProfileError(
            f"profile: unknown key(s) {sorted(unknown)} in an `attach` entry",
            hint=f"an attachment takes {', '.join(sorted(_ATTACH_KEYS))}",
        )
    path = str(attachment["path"])
    if urlparse(path).scheme in _MOTHERDUCK_SCHEMES:
        path = path.split("?", 1)[0]
    sql = f"ATTACH IF NOT EXISTS {literal(path)}"
    if attachment.get("alias"):
        sql += f" AS {_name(attachment['alias'], 'the attach alias')}"
    options = dict(attachment.get("options") or {})
    both = [k for k in ("type", "secret", "read_only") if attachment.get(k) and k in options]
    if both:
        raise ProfileError(
            f"profile: attach option(s) {both} are set both directly and in `options`",
            hint="set each option in one place",
        )
    parts = []
    kind = attachment.get("type") or options.get("type")
    if kind:
        parts.append(f"TYPE {_name(kind, 'the attach type')}")
    secret = attachment.get("secret") or options.get("secret")
    if secret:
        parts.append(f"SECRET {_name(secret, 'the attach secret')}")
    if attachment.get("read_only") or options.get("read_only"):
        parts.append("READ_ONLY")
    for key, value in options.items():
        if key in ("type", "secret", "read_only") or value is None:
            continue
        option = _name(key, "the attach option").upper()
        if isinstance(value, bool):
            if value:
                parts.append(option)
        elif isinstance(value, str):
            stripped = value.strip()
            quoted = len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\""
            parts.append(f"{option} {stripped if quoted else literal(value)}")
        else:
            parts.append(f"{option} {value}")
    if parts:
        sql += f" ({', '.join(parts)})"
    return sql
