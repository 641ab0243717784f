"""What relations exist, known without asking the engine for each node.

Looking a relation up in the engine's catalog costs a query whose price grows with the
number of relations (about 12 ms on DuckDB with 1,000 tables), so a run lists the
schemas it builds into once, at its start, and then keeps the list current: a
materialization records what it published after its COMMIT. Relations in schemas that
were not listed are still looked up in the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from dagwright.adapters.base import Relation, RelationKind

_UNKNOWN = object()


class RelationCache:
    def __init__(self, case_sensitive: bool = False) -> None:
        self._lock = threading.Lock()
        self._schemas: set[tuple[str, str]] = set()
        self._kinds: dict[tuple[str, str, str], RelationKind] = {}
        self._case_sensitive = case_sensitive

    def _norm(self, value: str | None) -> str:
        value = value or ""
        return value if self._case_sensitive else value.casefold()

    def _key(self, relation: Relation) -> tuple[str, str, str]:
        return (self._norm(relation.database), self._norm(relation.schema), self._norm(relation.identifier))

    def add_schema(self, database: str | None, schema: str, relations: Iterable[tuple[str, RelationKind]]) -> None:
        """Record a schema's complete listing (replacing what an earlier listing said)."""
        with self._lock:
            scope = (self._norm(database), self._norm(schema))
            if scope in self._schemas:
                self._kinds = {key: kind for key, kind in self._kinds.items() if key[:2] != scope}
            self._schemas.add(scope)
            for identifier, kind in relations:
                self._kinds[(self._norm(database), self._norm(schema), self._norm(identifier))] = kind

    def lookup(self, relation: Relation) -> RelationKind | object | None:
        """The kind, None if known absent, or ``UNKNOWN`` when the schema was not listed."""
        key = self._key(relation)
        with self._lock:
            if key[:2] not in self._schemas:
                return _UNKNOWN
            return self._kinds.get(key)

    def set(self, relation: Relation, kind: RelationKind | None) -> None:
        key = self._key(relation)
        with self._lock:
            if key[:2] not in self._schemas:
                return
            if kind is None:
                self._kinds.pop(key, None)
            else:
                self._kinds[key] = kind


UNKNOWN = _UNKNOWN
