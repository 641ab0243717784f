"""DuckDB targets (``type: duckdb``), as dbt-duckdb reads them.

``path`` defaults to ``:memory:`` and ``schema`` to ``main``; ``database`` is the name DuckDB
gives the file in ``path``, and may only be set to that name, to an ``attach``-ed database's
alias, or anything for a ``remote`` one.

dbt-duckdb's keys that change what a run reads or builds are used when the database is opened
(``adapters/duckdb_setup.py``): ``extensions`` (installed and loaded), ``settings`` (``SET`` on
every connection), ``config_options`` (given to ``duckdb.connect``), ``attach`` (``ATTACH``),
``external_root`` (where ``external`` models write). Those that make dbt-duckdb run Python of
its own or reach other storage (``plugins``, ``filesystems``, ``secrets``, ``module_paths``,
``use_credential_provider``, ``remote``) are errors: ignoring them would change what a run
reads; the rest (``retries``, ``keep_open``, ``disable_transactions``...) are named in the
command's "ignored" line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from dagwright.project.profile_types.base import CommonFields, ProfileType, TargetProblems

_MOTHERDUCK_SCHEMES = frozenset({"md", "motherduck"})


#: keys dagwright does not implement whose absence changes what a run reads: key -> why
_REFUSED = {
    "plugins": "dbt-duckdb plugins run Python of their own to read and write data",
    "filesystems": "fsspec filesystems change where paths are read from",
    "secrets": "DuckDB secrets give access to cloud storage",
    "use_credential_provider": "the credential provider gives access to cloud storage",
    "module_paths": "module paths are for dbt-duckdb plugins and Python models",
    "remote": "a remote DuckDB server would run the SQL elsewhere",
}
#: keys that change no result: named in the warning line
_IGNORED = ("retries", "keep_open", "disable_transactions", "flights", "is_ducklake")


class DuckDBProfile(ProfileType):
    def complete(self, values: dict[str, Any], fields: CommonFields, problems: TargetProblems) -> None:
        for key, why in _REFUSED.items():
            if values.get(key):
                raise problems.error(
                    f"{problems.where}: dagwright does not implement dbt-duckdb's `{key}` ({why})",
                    key,
                    hint=f"remove `{key}` from the target (and read the data another way) or use dbt",
                )
        ignored = [key for key in _IGNORED if values.get(key) not in (None, False)]
        if ignored:
            problems.ignored(f"{', '.join(ignored)} (dbt-duckdb profile keys)")
        if values.get("path") is None:
            values["path"] = ":memory:"
        if fields.schema is None:
            fields.schema = "main"
        if "\x00" in str(values["path"]):
            raise problems.error(f"{problems.where}: `path` holds a NUL byte, which no file name can", "path")
        derived = duckdb_database_name(values["path"])
        if not derived:
            raise problems.error(
                f"{problems.where}: cannot tell the database name from `path`",
                "path",
                hint="make `path` name a file, e.g. `path: dev.duckdb`, or use `:memory:`",
            )
        if fields.database is None:
            fields.database = derived
        elif str(fields.database) != derived:
            aliases = {
                str(a.get("alias")) for a in values.get("attach") or [] if isinstance(a, Mapping) and a.get("alias")
            }
            if not values.get("remote") and str(fields.database) not in aliases:
                raise problems.error(
                    f"{problems.where}: `database` {problems.shown('database', fields.database)} does not match "
                    f"the database name {derived!r} that DuckDB gives the file in `path`",
                    "database",
                    hint=f"set `database: {derived}` or remove `database:`",
                )


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
