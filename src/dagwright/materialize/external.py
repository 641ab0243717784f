"""``external`` (dbt-duckdb): the model's rows written to a file, and a view over that file.

As dbt-duckdb does it: the query fills a temporary table; an empty result gets one row of
NULLs (so the file has the columns) that the view then filters out; the table is written with
``COPY ... TO`` (``location``, default ``<external_root>/<alias>.<format>``; ``options``, and
the legacy ``format`` and ``delimiter`` configs), and the view reads it back
(``read_parquet``/``read_csv``/``read_json`` with the ``*_read_options`` configs; a glob over
the folder when ``partition_by`` or ``per_thread_output`` writes several files).

Publishing keeps the last good file: the file is written under a temporary name beside its
location and renamed into place only when the write succeeded (``os.replace``: atomic for a
file; a partitioned folder is swapped by two renames, the old one kept until the new one is in
place). A failed query or write leaves the previous file as it was. The rename happens when
the view is built, inside the node's transaction but before its COMMIT: a run stopped between
the two leaves the new file under the old view (whose definition is the same). Written in
place, as dbt-duckdb writes them: a remote location (``s3://...``), and a folder whose
existing files DuckDB's options decide about (``overwrite_or_ignore`` adds to them; without
``overwrite``, an existing folder is DuckDB's error, as under dbt).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from dagwright.adapters.base import ExecResult, Relation, suffixed
from dagwright.errors import DagwrightError
from dagwright.guard import GuardedConnection
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, WorkSource

FORMATS = ("csv", "parquet", "json")
#: the COPY options whose values are strings (quoted unless they are already)
_STRING_OPTIONS = frozenset({"delimiter", "quote", "escape", "null"})
_COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
_DEFAULT_READ_OPTIONS: Mapping[str, Mapping[str, Any]] = {
    "parquet": {"union_by_name": False},
    "json": {"auto_detect": True},
    "csv": {"auto_detect": True},
}
_STAGING_PREFIX = "__dbt_tmp_"
_OLD_PREFIX = "__dbt_old_"


@dataclass(frozen=True)
class ExternalPlan:
    """Where and how an external model's file is written and read back."""

    location: str
    write_options: str
    read_format: str
    read_location: str
    read_options: Mapping[str, Any]
    #: a folder of files (partition_by, per_thread_output), not one file
    folder: bool
    #: written straight into the location, not under a temporary name (``_in_place``)
    in_place: bool = False


def external_plan(config: Mapping[str, Any], identifier: str, external_root: str, where: str) -> ExternalPlan:
    """The plan of a model materialized ``external`` (dbt-duckdb's rules)."""
    options = config.get("options") or {}
    if not isinstance(options, Mapping):
        raise DagwrightError(f"{where}: the options config of an external model must be a mapping")
    rendered = {str(k): v for k, v in options.items()}
    if config.get("format"):
        rendered["format"] = config["format"]
    if config.get("delimiter"):
        rendered["delimiter"] = config["delimiter"]
    location = config.get("location")
    if not location:
        location = f"{external_root}/{identifier}"
        if options.get("partition_by") is None:
            location += f".{config.get('format') or 'parquet'}"
    location = str(location)
    write_options = _write_options(location, rendered)
    fmt = config.get("format")
    if fmt:
        if fmt not in FORMATS:
            raise DagwrightError(f"{where}: invalid format {fmt!r}; allowed formats are {', '.join(FORMATS)}")
        read_format = str(fmt)
    else:
        picked = str(rendered["format"]).lower()
        read_format = picked if picked in FORMATS else "parquet"
    folder = bool(rendered.get("partition_by") or rendered.get("per_thread_output"))
    read_location = location
    if folder:
        globs = [location, "*"]
        if rendered.get("partition_by"):
            globs += ["*"] * len(str(rendered["partition_by"]).split(","))
        read_location = "/".join(globs) + "." + str(rendered.get("format", "parquet"))
    read_options = dict(config.get(f"{read_format}_read_options") or _DEFAULT_READ_OPTIONS[read_format])
    if rendered.get("compression") and read_format in ("json", "csv") and "compression" not in read_options:
        read_options["compression"] = rendered["compression"]
    plan = ExternalPlan(location, write_options, read_format, read_location, read_options, folder)
    return replace(plan, in_place=_in_place(plan, rendered))


def _write_options(location: str, options: dict[str, Any]) -> str:
    """The options of ``COPY ... TO`` (the format from the location's extension when unset)."""
    if "format" not in options:
        root, ext = os.path.splitext(location)
        compression = _COMPRESSIONS.get(ext.lower())
        if compression:
            ext = os.path.splitext(root)[1]
        if ext:
            options["format"] = ext[1:].lower()
            if compression and "compression" not in options:
                options["compression"] = compression
        elif "delimiter" in options:
            options["format"] = "csv"
        else:
            options["format"] = "parquet"
    if options["format"] == "csv" and "header" not in options:
        options["header"] = 1
    partition_by = options.get("partition_by")
    if isinstance(partition_by, str) and "," in partition_by and not partition_by.startswith("("):
        options["partition_by"] = f"({partition_by})"
    parts = []
    for key, value in options.items():
        text = str(value)
        if key.lower() in _STRING_OPTIONS and not text.startswith("'"):
            parts.append(f"{key} '{text}'")
        else:
            parts.append(f"{key} {text}")
    return ", ".join(parts)


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _in_place(plan: ExternalPlan, options: Mapping[str, Any]) -> bool:
    """Whether DuckDB writes straight into the location: remote storage, and a folder whose
    files DuckDB's own options decide about (``overwrite_or_ignore`` keeps the other files; an
    existing folder without ``overwrite`` is an error of DuckDB's, as under dbt-duckdb)."""
    if "://" in plan.location:
        return True
    if not plan.folder:
        return False
    keys = {k.lower() for k in options}
    if "overwrite_or_ignore" in keys:
        return True
    return "overwrite" not in keys and os.path.isdir(plan.location) and bool(os.listdir(plan.location))


def _staging_path(location: str) -> str:
    head, tail = os.path.split(location.rstrip("/"))
    return os.path.join(head, _STAGING_PREFIX + tail)


def _swap_into_place(staging: str, location: str, folder: bool) -> None:
    """Rename the written file (or folder) into place; the old one is gone only after."""
    if not folder:
        os.replace(staging, location)
        return
    final = location.rstrip("/")
    head, tail = os.path.split(final)
    old = os.path.join(head, _OLD_PREFIX + tail)
    if os.path.exists(old):
        shutil.rmtree(old)
    if os.path.exists(final):
        os.rename(final, old)
    os.rename(staging, final)
    if os.path.exists(old):
        shutil.rmtree(old, ignore_errors=True)


def _remove(path: str) -> None:
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.exists(path):
        os.remove(path)


class ExternalMaterialization(StrategyMaterialization):
    def work(self) -> WorkSource:
        node = self.job.node
        root = str(getattr(self.adapter, "external_root", "."))
        where = f"model '{node.name}'"
        plan = external_plan(node.config, node.relation.identifier, root, where)
        return NewRelation("view", fill=lambda conn, relation: self._fill(conn, relation, plan))

    def _fill(self, conn: GuardedConnection, view: Relation, plan: ExternalPlan) -> ExecResult:
        adapter = self.adapter
        data = adapter.temp_relation(suffixed(self.target, "__dbt_ext", adapter.max_identifier_length))
        conn.execute(adapter.create_temp_table_as_sql(data, self.job.sql))  # type: ignore[attr-defined]
        rendered = adapter.render(data)  # type: ignore[attr-defined]
        count = conn.execute(f"select count(*) as row_count from {rendered}").rows[0][0]
        columns = [c.name for c in conn.columns(data)]
        if count == 0:  # a file with the columns and one row of NULLs, filtered out by the view
            conn.execute(f"insert into {rendered} values ({', '.join('NULL' for _ in columns)})")
        if plan.in_place:
            conn.execute(f"copy {rendered} to {_literal(plan.location)} ({plan.write_options})")
        else:
            written = _staging_path(plan.location)
            _remove(written)  # a staging file a killed run left
            try:
                conn.execute(f"copy {rendered} to {_literal(written)} ({plan.write_options})")
                _swap_into_place(written, plan.location, plan.folder)
            except BaseException:
                _remove(written)
                raise
        conn.execute(f"drop table if exists {rendered}")
        options = "".join(f", {key}={_literal(value)}" for key, value in plan.read_options.items())
        select = f"select * from read_{plan.read_format}({_literal(plan.read_location)}{options})"
        if count == 0:
            select += " where 1" + "".join(f' AND "{c}" is not NULL' for c in columns)
        return conn.execute(f"create or replace view {adapter.render(view)} as (\n{select}\n)")  # type: ignore[attr-defined]
