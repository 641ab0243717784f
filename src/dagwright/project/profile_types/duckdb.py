"""DuckDB targets (``type: duckdb``), as dbt-duckdb reads them.

``path`` defaults to ``:memory:`` and ``schema`` to ``main``; ``database`` is the name DuckDB
gives the file in ``path``, and may only be set to that name, to an ``attach``-ed database's
alias, or anything for a ``remote`` one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from dagwright.project.profile_types.base import CommonFields, ProfileType, TargetProblems

_MOTHERDUCK_SCHEMES = frozenset({"md", "motherduck"})


class DuckDBProfile(ProfileType):
    def complete(self, values: dict[str, Any], fields: CommonFields, problems: TargetProblems) -> None:
        if values.get("path") is None:
            values["path"] = ":memory:"
        if fields.schema is None:
            fields.schema = "main"
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
