"""Running one unit test (dbt 1.8+): the tested model's SQL on given rows, compared with the
expected rows.

As dbt does it: each given input becomes a CTE of its rows, every column of the input
relation present (read from the warehouse: the input must exist) and cast to its type; the
model's SQL is rendered with each ref/source (and ``this``) naming its CTE; the types of its
output are read from an empty table made of it; the expected rows are cast to those types;
one query returns the tested columns of both sides, and the two sides are compared without
regard to order (``daff``, the library dbt uses, which also writes the difference).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagwright.adapters.base import TMP_SUFFIX, Adapter, Relation, suffixed
from dagwright.errors import CompilationError
from dagwright.execute.compile import Compiler
from dagwright.guard import GuardedConnection
from dagwright.materialize.unit_test_sql import (
    SIDE,
    comparison_sql,
    empty_query_sql,
    expected_rows_sql,
    given_rows_sql,
)
from dagwright.parse.nodes import Manifest, Node, UnitTest
from dagwright.project.unit_test_fixtures import fixture_rows
from dagwright.rendering.context import ephemeral_cte_name
from dagwright.rendering.relation import JinjaRelation

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class UnitTestOutcome:
    status: str  # "pass" or "fail"
    message: str | None
    failures: int
    adapter_response: Mapping[str, Any]


class UnitTestRun:
    """One unit test on one worker's connection."""

    def __init__(self, manifest: Manifest, compiler: Compiler, adapter: Adapter, file_root: Any) -> None:
        self.manifest = manifest
        self.compiler = compiler
        self.adapter = adapter
        #: a package's folder (or the project's), for a seed input's file
        self.file_root = file_root

    def _columns(self, conn: GuardedConnection, relation: Relation) -> list[tuple[str, str]]:
        rows = conn.execute(self.adapter.columns_sql(relation)).rows
        return list(self.adapter.columns_from_rows(rows))

    def _input(self, unit: UnitTest, model: Node, call: Sequence[Any]) -> tuple[str, Any, str]:
        """(unique_id, node or source, CTE name) of a given input."""
        if call[0] == "this":
            return model.unique_id, model, ephemeral_cte_name(model.name)
        if call[0] == "ref":
            uid = self.manifest.find_ref(call[2], call[1], unit.package_name, call[3] if len(call) > 3 else None)
            node = self.manifest.nodes.get(uid) if uid else None
            if node is None:
                raise CompilationError(
                    f"input ref('{call[2]}') of unit test '{unit.name}' names no model, seed or snapshot"
                )
            name = node.name if node.version is None else f"{node.name}_v{node.version}"
            return node.unique_id, node, ephemeral_cte_name(name)
        uid = self.manifest.find_source(call[1], call[2], unit.package_name)
        source = self.manifest.sources.get(uid) if uid else None
        if source is None:
            raise CompilationError(f"input source('{call[1]}', '{call[2]}') of unit test '{unit.name}' is not defined")
        return source.unique_id, source, ephemeral_cte_name(f"{call[1]}__{call[2]}")

    def _fixture_sql(self, conn: GuardedConnection, spec: Mapping[str, Any], target: Any) -> str:
        seed = None
        if getattr(target, "resource_type", "") == "seed":
            seed = Path(self.file_root(target)) / target.original_file_path
        rows = fixture_rows(spec, seed) or []
        if isinstance(rows, str):
            return rows
        relation = target.relation
        columns = []
        if getattr(target, "materialized", "table") != "ephemeral" and conn.relation_kind(relation) is not None:
            columns = self._columns(conn, relation)
        if not columns:
            raise CompilationError(
                f"Not able to get columns for unit test '{target.name}' from relation "
                f"{self.adapter.render(relation)} because the relation doesn't exist"
            )
        return given_rows_sql(self.adapter, columns, rows, target.name)

    def compile(self, unit: UnitTest, conn: GuardedConnection) -> str:
        """The model's SQL with its inputs replaced by the given rows."""
        model = self.manifest.nodes[unit.model_id]
        if model.language == "python":  # dbt sends the Python code to the engine as SQL, and fails there
            raise CompilationError(f"unit tests test SQL models: model '{model.name}' is a Python model")
        fixtures: dict[str, str] = {}
        ctes: list[tuple[str, str]] = []
        this_cte: str | None = None
        for spec in unit.given:
            uid, target, cte = self._input(unit, model, spec["call"])
            ctes.append((cte, self._fixture_sql(conn, spec, target)))
            if spec["call"][0] == "this":
                this_cte = cte
            else:
                fixtures[uid] = cte
        overrides = unit.overrides or {}
        macros = dict(overrides.get("macros") or {})
        incremental = bool(macros.pop("is_incremental", False))
        extra: dict[str, Any] = {}
        if this_cte is not None:
            extra["this"] = JinjaRelation(Relation(None, "", this_cte), this_cte, "cte")
        base = self.compiler.run.base_values(model.name, model.package_name)
        if overrides.get("vars"):
            extra["var"] = _override(base["var"], overrides["vars"])
        if overrides.get("env_vars"):
            extra["env_var"] = _override(base["env_var"], {k: str(v) for k, v in overrides["env_vars"].items()})
        return self.compiler.compile_with_fixtures(
            model, fixtures, ctes, conn, extra, lambda: incremental, lambda ctx: override_macros(ctx, macros)
        )

    def check(self, unit: UnitTest, sql: str, conn: GuardedConnection) -> UnitTestOutcome:
        """Run the model's SQL and the expected rows; compare them."""
        model = self.manifest.nodes[unit.model_id]
        adapter = self.adapter
        temp = adapter.temp_relation(
            suffixed(Relation(model.database, model.schema, model.alias), TMP_SUFFIX, adapter.max_identifier_length)
        )
        conn.execute(adapter.create_temp_table_as_sql(temp, empty_query_sql(sql)))
        try:
            columns = self._columns(conn, temp)
        finally:
            conn.execute(adapter.drop_temp_sql(temp))
        quoted = {name.lower(): adapter.quote(name) for name, _ in columns}
        expected = fixture_rows(unit.expect) or []
        if isinstance(expected, str):
            names, expected_sql = list(quoted.values()), expected
        else:
            if expected:
                names = []
                for key in expected[0]:
                    if str(key).lower() not in quoted:
                        raise CompilationError(
                            f"Invalid column name: '{str(key).lower()}' in unit test fixture for expected output.\n"
                            f"Accepted columns for expected output are: {list(quoted)}"
                        )
                    names.append(quoted[str(key).lower()])
            else:
                names = list(quoted.values())
            expected_sql = expected_rows_sql(adapter, columns, expected) if expected else None
        with conn.main_statements():  # its target/run file
            result = conn.execute(comparison_sql(adapter, sql, expected_sql, names))
        header = [str(c).lower() for c in result.column_names]
        side = header.index(SIDE)
        kept = [i for i in range(len(header)) if i != side]
        actual = [[row[i] for i in kept] for row in result.rows if row[side] == "actual"]
        wanted = [[row[i] for i in kept] for row in result.rows if row[side] == "expected"]
        diff = _difference([header[i] for i in kept], wanted, actual)
        if diff is None:
            return UnitTestOutcome("pass", None, 0, {"_message": "OK"})
        return UnitTestOutcome("fail", diff, 1, {"_message": "OK"})


def _returning(value: Any) -> Any:
    return lambda *args, **kwargs: value


class _OverriddenNamespace:
    """A package's macros (``<package>.<macro>``) with some of them returning fixed values."""

    def __init__(self, namespace: Any, overrides: Mapping[str, Any]) -> None:
        self._namespace = namespace
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._namespace, name)

    def __getitem__(self, name: str) -> Any:
        return self._overrides[name] if name in self._overrides else self._namespace[name]

    def __contains__(self, name: object) -> bool:
        return name in self._overrides or name in self._namespace

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default  # noqa: SIM401 - self.get would recurse


def override_macros(ctx: Any, macros: Mapping[str, Any]) -> None:
    """``overrides: macros:`` as dbt applies them to the unit test's context: ``name`` replaces a
    name the context has (and ``dbt.name`` if dbt has that macro), ``package.name`` a macro of
    that package (and the global name for ``dbt.name``); the bare name wins. A name the
    context does not have is left alone, as in dbt."""
    packages: dict[str, dict[str, Any]] = {}
    bare: dict[str, Any] = {}
    for key, value in macros.items():
        parts = str(key).split(".")
        if len(parts) == 2 and parts[0] in ctx and parts[1] in ctx[parts[0]]:
            packages.setdefault(parts[0], {})[parts[1]] = _returning(value)
            if parts[0] == "dbt":
                bare.setdefault(parts[1], _returning(value))
        elif len(parts) == 1 and key in ctx:
            bare[parts[0]] = _returning(value)
            if "dbt" in ctx and parts[0] in ctx["dbt"]:
                packages.setdefault("dbt", {})[parts[0]] = bare[parts[0]]
    for package, overrides in packages.items():
        ctx[package] = _OverriddenNamespace(ctx[package], overrides)
    for name, value in bare.items():
        ctx[name] = value
        getattr(ctx, "bound", set()).add(name)  # binding the macro's file later keeps the override


def _override(original: Any, values: Mapping[str, Any]) -> Any:
    def lookup(name: str, *default: Any) -> Any:
        return values[name] if name in values else original(name, *default)

    return lookup


def _sorted(rows: list[list[Any]]) -> list[list[Any]]:
    return sorted(rows, key=lambda row: [(value is None, value) for value in row])


def _difference(header: list[str], expected: list[list[Any]], actual: list[list[Any]]) -> str | None:
    """dbt's comparison: both sides sorted, aligned by daff; None when they agree, else the
    difference as dbt writes it (colored unless ``use_colors`` is off, as in dbt)."""
    import daff  # only when a unit test runs: the import costs

    expected_table = daff.PythonTableView([header, *_sorted(expected)])
    actual_table = daff.PythonTableView([header, *_sorted(actual)])
    flags = daff.CompareFlags()
    flags.ordered = False
    alignment = daff.Coopy.compareTables(expected_table, actual_table, flags).align()
    diff = daff.TableDiff(alignment, flags)
    shown = daff.PythonTableView([])
    diff.hilite(shown)
    if not diff.hasDifference():
        return None
    rendered = daff.TerminalDiffRender().render(shown)
    message = f"\n\n\x1b[32mactual\x1b[0m differs from \x1b[31mexpected\x1b[0m:\n\n{rendered}\n"
    return message if _use_colors() else plain(message)


def _use_colors() -> bool:
    """dbt's ``use_colors`` (on unless DBT_USE_COLORS says otherwise): its difference is colored."""
    value = (os.environ.get("DBT_USE_COLORS") or "").strip().lower()
    return value not in ("0", "false", "f", "no", "n", "off")


def unit_test_path(unit: UnitTest) -> str:
    """Where its compiled SQL goes under ``target/compiled/<package>/`` (dbt's layout)."""
    return f"{unit.original_file_path}/{unit.original_file_path.split('/', 1)[0]}/{unit.run_name}.sql"


def plain(message: str) -> str:
    """A message without its terminal colors."""
    return _ANSI.sub("", message)
