"""The selection methods that compare the project with a previous run (``--state``):
``state:`` (new, old, modified and its parts, unmodified), ``result:<status>`` and
``source_status:fresher``.

Both sides are manifest.json entries (the current one as dagwright would write it), so a
manifest dbt-core wrote serves as state as well as dagwright's own. The rules are dbt-core
1.11's: a node is modified when its body (a seed: its checksum), its configuration, its
persisted descriptions, its qualified name, its configured database/schema/alias, its
contract, or a macro it calls (at any depth) changed.

Where dbt compares a node's *unrendered* configuration, dagwright compares the configured
values (``config``) with dbt's defaults for the keys one side leaves out: the same result
unless a configuration's Jinja renders differently in the two environments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from dagwright.errors import SelectionError
from dagwright.graph.selection_syntax import Criterion
from dagwright.project.state import NODE_SECTIONS, PreviousState, read_json

Entry = Mapping[str, Any]

#: dbt's ``state:`` selectors
STATE_SELECTORS = (
    "new",
    "old",
    "modified",
    "unmodified",
    "modified.body",
    "modified.configs",
    "modified.persisted_descriptions",
    "modified.relation",
    "modified.macros",
    "modified.contract",
)
#: config keys dbt leaves out of the configuration comparison (the relation's name and tags)
_NOT_COMPARED = frozenset({"alias", "schema", "database", "tags", "group"})
#: the only config keys a data test's comparison looks at, with dbt's defaults
_TEST_MODIFIERS: dict[str, Any] = {
    "severity": "ERROR",
    "where": None,
    "limit": None,
    "fail_calc": "count(*)",
    "warn_if": "!= 0",
    "error_if": "!= 0",
    "store_failures": None,
    "store_failures_as": None,
}
#: a config key one side leaves out equals the other side's value when that is one of these
_EMPTY_VALUES: tuple[Any, ...] = (None, {}, [], "")
#: kinds of node that have a body, a configuration and a relation (dbt's ParsedNode)
_PARSED = frozenset({"model", "seed", "snapshot", "analysis", "test", "operation", "sql_operation", "function"})
#: materializations that build the contract's constraints into the relation
_ENFORCING = frozenset({"table", "incremental"})
#: the packages of dbt's own macros and its adapters' (compared only between two manifests
#: of the same tool: dagwright's built-in macros are not dbt's text)
_BUILTIN_PACKAGES = frozenset({"dbt", "dbt_duckdb", "dbt_postgres", "dbt_spark", "dbt_bigquery"})


class StateMethods:
    """``state:``, ``result:`` and ``source_status:`` over one selection's nodes.

    ``state`` reads --state's artifacts (None: not given); ``current`` gives the project's
    manifest as manifest.json would hold it (made on first use); ``target_dir`` holds the
    target's sources.json (for ``source_status:``); ``warn`` shows dbt's warnings (a seed too
    large to compare, a contract's breaking change)."""

    def __init__(
        self,
        state: Callable[[], PreviousState | None],
        current: Callable[[], Mapping[str, Any]],
        target_dir: Path,
        warn: Callable[[str], None],
    ) -> None:
        self._load_state = state
        self._state: list[PreviousState | None] = []
        self._current_source = current
        self._current: dict[str, Entry] | None = None
        self._current_macros: Mapping[str, Entry] = {}
        self.target_dir = target_dir
        self.warn = warn
        self._modified_macros: set[str] | None = None
        self._warned: set[str] = set()

    def _warn(self, text: str) -> None:
        if text not in self._warned:
            self._warned.add(text)
            self.warn(text)

    @property
    def state(self) -> PreviousState | None:
        """--state's artifacts, read when a method first needs them."""
        if not self._state:
            self._state.append(self._load_state())
        return self._state[0]

    def methods(self) -> dict[str, Callable[[Criterion], set[str]]]:
        return {"state": self.state_method, "result": self.result_method, "source_status": self.source_status_method}

    # ----- the current project --------------------------------------------------------------------

    def current(self) -> dict[str, Entry]:
        if self._current is None:
            manifest = self._current_source()
            entries: dict[str, Entry] = {}
            for section in NODE_SECTIONS:
                for uid, entry in (manifest.get(section) or {}).items():
                    entries.setdefault(uid, entry)
            self._current = entries
            self._current_macros = manifest.get("macros") or {}
        return self._current

    def _previous(self) -> PreviousState:
        state = self.state
        if state is None or state.manifest is None:
            where = f" ({state.path}/manifest.json is not there)" if state is not None else ""
            raise SelectionError(
                f"a state: selector needs the manifest of a previous run to compare with{where}",
                hint="give --state (or DBT_STATE) the target/ folder of that run",
            )
        return state

    # ----- state: -------------------------------------------------------------------------------------

    def state_method(self, c: Criterion) -> set[str]:
        if c.value not in STATE_SELECTORS:
            raise SelectionError(
                f"invalid state selector {c.value!r} in {c.raw!r}; expected one of: " + ", ".join(STATE_SELECTORS)
            )
        previous = self._previous().entries
        check = self._checks()[c.value]
        chosen = {uid for uid, entry in self.current().items() if check(previous.get(uid), entry)}
        if c.value in ("modified", "unmodified", "modified.contract"):
            self._removed_contracts(previous)
        return chosen

    def same_contract(self, old: Entry, new: Entry) -> bool:
        """same_contract, and dbt's verdict on a breaking change of an enforced contract: an
        error for a versioned model, a warning otherwise."""
        same = same_contract(old, new)
        if not same:
            breaking = contract_breaking_changes(old, new)
            if breaking:
                self._breaking(new, breaking)
        return same

    def _removed_contracts(self, previous: Mapping[str, Entry]) -> None:
        """A model with an enforced contract in the state that is gone (deleted, renamed or
        disabled) here: a breaking change, unless past its deprecation date."""
        current = self.current()
        for uid, old in previous.items():
            if uid in current or old.get("resource_type") != "model" or not _contract(old).get("enforced"):
                continue
            deprecated = old.get("deprecation_date")
            if deprecated and str(deprecated) < dt.datetime.now(dt.timezone.utc).isoformat():
                continue
            self._breaking(old, [f"Contracted model '{uid}' was deleted, renamed or disabled."])

    def _breaking(self, node: Entry, changes: list[str]) -> None:
        text = f"breaking change to the contract of {node.get('unique_id')}: " + " ".join(changes)
        if node.get("version") is not None:
            raise SelectionError(
                text, hint="a versioned model's contract may not break: add a new version of the model instead"
            )
        self._warn(text + " (a warning, since the model is not versioned)")

    def _checks(self) -> dict[str, Callable[[Entry | None, Entry], bool]]:
        return {
            "new": lambda old, new: old is None,
            "old": lambda old, new: old is not None,
            "modified": self.modified,
            "unmodified": lambda old, new: not self.modified(old, new),
            "modified.body": _when_parsed(self.same_body),
            "modified.configs": _when(same_config, _PARSED | _CONFIGURED),
            "modified.persisted_descriptions": _when_parsed(same_persisted_description),
            "modified.relation": _when(same_relation, _PARSED | {"source"}),
            "modified.macros": lambda old, new: self.calls_modified_macro(new),
            "modified.contract": _when_parsed(self.same_contract),
        }

    def modified(self, old: Entry | None, new: Entry) -> bool:
        kind = new.get("resource_type")
        if kind in _PARSED:
            different = not self.same_contents(old, new)
        elif old is None:  # dbt: a new source, exposure, metric... is not 'modified'
            different = kind == "unit_test"
        else:
            different = not _same_other(old, new)
        return different or self.calls_modified_macro(new) or (old is not None and not self.same_contract(old, new))

    def same_contents(self, old: Entry | None, new: Entry) -> bool:
        if old is None:
            return False
        if new.get("resource_type") == "test" and new.get("test_metadata"):  # a generic test
            return same_config(old, new) and old.get("fqn") == new.get("fqn")
        same = (
            self.same_body(old, new)
            and same_config(old, new)
            and same_persisted_description(old, new)
            and old.get("fqn") == new.get("fqn")
            and same_relation(old, new)
            and self.same_contract(old, new)
        )
        if same and new.get("resource_type") == "model":
            return all(old.get(k) == new.get(k) for k in ("latest_version", "access", "deprecation_date"))
        return same

    def same_body(self, old: Entry, new: Entry) -> bool:
        if new.get("resource_type") != "seed":
            return old.get("raw_code") == new.get("raw_code")
        mine, theirs = new.get("checksum") or {}, old.get("checksum") or {}
        same = mine == theirs
        if mine.get("name") == "path":
            why = (
                "it was hashed before and is now too large (over 1 MiB) to hash"
                if theirs.get("name") != "path"
                else "it is too large (over 1 MiB) to hash: its path "
                + ("is unchanged, so it counts as unmodified" if same else "changed")
            )
            self._warn(f"Seed {new.get('package_name')}.{new.get('name')}: state comparison by path: {why}")
        return same

    # ----- macros ---------------------------------------------------------------------------------------

    def modified_macros(self) -> set[str]:
        if self._modified_macros is None:
            self.current()
            previous = self._previous()
            old_macros: Mapping[str, Entry] = previous.manifest.get("macros") or {}  # type: ignore[union-attr]
            compare_builtin = previous.from_dagwright
            out = set()
            for uid in {*self._current_macros, *old_macros}:
                if not compare_builtin and _is_builtin(uid):
                    continue
                old, new = old_macros.get(uid), self._current_macros.get(uid)
                if old is None or new is None or old.get("macro_sql") != new.get("macro_sql"):
                    out.add(uid)
            self._modified_macros = out
        return self._modified_macros

    def calls_modified_macro(self, entry: Entry) -> bool:
        modified = self.modified_macros()
        if not modified:
            return False
        seen: set[str] = set()
        pending = list(_macro_deps(entry))
        while pending:
            uid = pending.pop()
            if uid in seen:
                continue
            seen.add(uid)
            if uid in modified:
                return True
            pending.extend(_macro_deps(self._current_macros.get(uid) or {}))
        return False

    # ----- result: and source_status: -------------------------------------------------------------

    def result_method(self, c: Criterion) -> set[str]:
        previous = self.state
        if previous is None or previous.run_results is None:
            raise SelectionError(
                f"{c.raw!r} needs the run_results.json of a previous run",
                hint="give --state the target/ folder of a run that wrote run_results.json",
            )
        wanted = {
            str(r.get("unique_id"))
            for r in previous.run_results.get("results") or ()
            if isinstance(r, Mapping) and r.get("status") == c.value
        }
        return wanted & set(self.current())

    def source_status_method(self, c: Criterion) -> set[str]:
        previous = self.state
        if previous is None or previous.sources is None:
            raise SelectionError(
                f"{c.raw!r} needs the sources.json of a previous 'source freshness'",
                hint="give --state the target/ folder of a run of 'source freshness'",
            )
        current = read_json(self.target_dir / "sources.json")
        if current is None:
            raise SelectionError(
                f"{c.raw!r} needs this target's sources.json",
                hint="run 'dagwright source freshness' first (it writes target/sources.json)",
            )
        now, now_failed = _loaded_at(current)
        before, _ = _loaded_at(previous.sources)
        if c.value != "fresher":  # as dbt 1.11: only 'fresher' selects anything
            return set()
        fresher = {uid for uid, at in now.items() if uid not in before or at > before[uid]}
        return (fresher - now_failed) & set(self.current())


#: kinds with a configuration compared by dbt besides the parsed nodes
_CONFIGURED = frozenset({"source", "exposure", "metric", "semantic_model", "saved_query"})


def _when(check: Callable[[Entry, Entry], bool], kinds: Iterable[str]) -> Callable[[Entry | None, Entry], bool]:
    """dbt's modified.<part>: a node of a kind that has the part is modified when it is new
    or the part differs."""
    kinds = frozenset(kinds)

    def modified(old: Entry | None, new: Entry) -> bool:
        if new.get("resource_type") not in kinds:
            return False
        return old is None or not check(old, new)

    return modified


def _when_parsed(check: Callable[[Entry, Entry], bool]) -> Callable[[Entry | None, Entry], bool]:
    return _when(check, _PARSED)


def _is_builtin(uid: str) -> bool:
    return uid.count(".") >= 2 and uid.split(".")[1] in _BUILTIN_PACKAGES


def _macro_deps(entry: Entry) -> list[str]:
    depends = entry.get("depends_on") or {}
    return [str(m) for m in depends.get("macros") or () if m]


def _config(entry: Entry) -> Mapping[str, Any]:
    config = entry.get("config")
    return config if isinstance(config, Mapping) else {}


def same_config(old: Entry, new: Entry) -> bool:
    mine, theirs = _config(new), _config(old)
    if new.get("resource_type") == "test":
        return all(
            _normal(mine.get(k, default)) == _normal(theirs.get(k, default)) for k, default in _TEST_MODIFIERS.items()
        )
    for key in {*mine, *theirs} - _NOT_COMPARED:
        if key in mine and key in theirs:
            if _normal(mine[key]) != _normal(theirs[key]):
                return False
        elif (mine if key in mine else theirs)[key] not in _EMPTY_VALUES:
            return False
    return True


def _normal(value: Any) -> Any:
    """Hooks as their SQL and transaction (dbt's index is where they came from)."""
    if isinstance(value, list) and all(isinstance(v, Mapping) and "sql" in v for v in value):
        return [(v.get("sql"), v.get("transaction", True)) for v in value]
    return value


def same_relation(old: Entry, new: Entry) -> bool:
    """dbt's same_database_representation: the configured database, schema and alias (a
    source: its database, schema and identifier)."""
    if new.get("resource_type") == "source":
        return all(old.get(k) == new.get(k) for k in ("database", "schema", "identifier"))
    mine, theirs = _config(new), _config(old)
    return all(mine.get(k) == theirs.get(k) for k in ("database", "schema", "alias"))


def same_persisted_description(old: Entry, new: Entry) -> bool:
    persist = _config(new).get("persist_docs") or {}
    if persist.get("relation") and old.get("description") != new.get("description"):
        return False
    if persist.get("columns"):
        return _column_descriptions(old) == _column_descriptions(new)
    return True


def _column_descriptions(entry: Entry) -> dict[str, Any]:
    return {name: (c or {}).get("description") for name, c in (entry.get("columns") or {}).items()}


def _contract(entry: Entry) -> Mapping[str, Any]:
    contract = entry.get("contract")
    return contract if isinstance(contract, Mapping) else {}


def _contract_shape(entry: Entry) -> tuple[Any, ...]:
    """What an enforced contract promises: each column's name, type and constraints, and,
    where the materialization builds them, the materialization and model constraints."""
    columns = sorted(
        (str(name), str((c or {}).get("data_type")), _canonical((c or {}).get("constraints") or []))
        for name, c in (entry.get("columns") or {}).items()
    )
    materialized = _config(entry).get("materialized")
    if materialized in _ENFORCING:
        return (tuple(columns), materialized, _canonical(entry.get("constraints") or []))
    return (tuple(columns),)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items() if v not in (None, [], {})))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


def same_contract(old: Entry, new: Entry) -> bool:
    """dbt's same_contract for models (other nodes have none to change)."""
    if new.get("resource_type") != "model" or old.get("resource_type") != "model":
        return True
    was, now = bool(_contract(old).get("enforced")), bool(_contract(new).get("enforced"))
    if not was and not now:
        return True
    if was != now:
        return False
    return _contract_shape(old) == _contract_shape(new)


def contract_breaking_changes(old: Entry, new: Entry) -> list[str]:
    """What in an enforced contract's change breaks its consumers, as dbt tells it: the
    enforcement removed, columns removed, a column's base type changed, constraints removed
    where the old materialization built them, or a materialization that no longer builds them."""
    if not _contract(old).get("enforced"):
        return []
    if not _contract(new).get("enforced"):
        return ["Contract enforcement was removed."]
    out = []
    old_columns, new_columns = old.get("columns") or {}, new.get("columns") or {}
    removed = [name for name in old_columns if name not in new_columns]
    if removed:
        out.append("Columns were removed: " + ", ".join(removed) + ".")
    enforcing = _config(old).get("materialized") in _ENFORCING
    for name, column in old_columns.items():
        if name not in new_columns:
            continue
        before, after = (column or {}).get("data_type"), (new_columns[name] or {}).get("data_type")
        if _base_type(before) != _base_type(after):
            out.append(f"Column {name} changed type from {before} to {after}.")
        kept = [_canonical(x) for x in (new_columns[name] or {}).get("constraints") or ()]
        lost = [x for x in (column or {}).get("constraints") or () if _canonical(x) not in kept]
        if enforcing and lost:
            out.append(
                f"Constraints were removed from column {name}: " + ", ".join(str(x.get("type")) for x in lost) + "."
            )
    kept = [_canonical(x) for x in new.get("constraints") or ()]
    lost = [x for x in old.get("constraints") or () if _canonical(x) not in kept]
    if enforcing and lost:
        out.append("Model constraints were removed: " + ", ".join(str(x.get("type")) for x in lost) + ".")
    has_constraints = bool(old.get("constraints")) or any((c or {}).get("constraints") for c in old_columns.values())
    if enforcing and _config(new).get("materialized") not in _ENFORCING and has_constraints:
        out.append(f"Materialization changed to {_config(new).get('materialized')}, which does not build constraints.")
    return out


def _base_type(data_type: Any) -> Any:
    """A type without its size, precision and scale (their changes do not break a contract)."""
    return str(data_type).partition("(")[0].strip().lower() if data_type else data_type


def _same_other(old: Entry, new: Entry) -> bool:
    """Sources, exposures, metrics, semantic models, saved queries and unit tests: the
    fields dbt compares for each kind (descriptions and tags of a source are not changes)."""
    kind = new.get("resource_type")
    if kind == "unit_test":
        return (old.get("checksum") or None) == (new.get("checksum") or None)
    if not same_config(old, new) or (kind != "semantic_model" and old.get("fqn") != new.get("fqn")):
        return False
    keys: tuple[str, ...] = {
        "source": ("quoting", "freshness", "loaded_at_field", "external"),
        "exposure": ("type", "owner", "maturity", "url", "description", "label"),
        "metric": ("filter", "metadata", "type", "type_params", "description", "label"),
        "semantic_model": ("model", "description", "defaults", "entities", "dimensions", "measures", "primary_entity"),
        "saved_query": ("query_params", "description", "label", "exports", "group", "tags"),
    }.get(str(kind), ())
    if kind == "source" and not same_relation(old, new):
        return False
    if kind == "exposure":
        nodes = [set((e.get("depends_on") or {}).get("nodes") or ()) for e in (old, new)]
        if nodes[0] != nodes[1]:
            return False
    return all(_canonical(old.get(k)) == _canonical(new.get(k)) for k in keys)


def _loaded_at(sources: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """unique_id -> max_loaded_at of a sources.json's measured results, and the ones that failed."""
    loaded: dict[str, Any] = {}
    failed: set[str] = set()
    for result in sources.get("results") or ():
        if not isinstance(result, Mapping):
            continue
        uid = str(result.get("unique_id"))
        if result.get("max_loaded_at") is None:
            failed.add(uid)
        else:
            loaded[uid] = _instant(str(result["max_loaded_at"]))
    return loaded, failed


def _instant(text: str) -> Any:
    """A timestamp of sources.json, comparable whichever tool wrote it."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
