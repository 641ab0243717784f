"""A relation as templates see it (dbt's ``BaseRelation``): prints as SQL, has dbt's
attributes and methods, and is a mapping of dbt's relation fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagwright.adapters.base import Relation

_PARTS = ("database", "schema", "identifier")


class JinjaRelation(Mapping[str, Any]):
    """A relation as Jinja sees it: prints as quoted SQL, has dbt's common attributes, and is a
    mapping of dbt's relation fields as dbt's is (packages test ``relation is mapping`` and its
    ``metadata.type``, e.g. dbt_utils' ``_is_relation``)."""

    def __init__(
        self,
        relation: Relation,
        rendered: str,
        kind: str | None = None,
        render: Callable[[Relation], str] | None = None,
        quote: Callable[[str], str] | None = None,
        quote_policy: Mapping[str, bool] | None = None,
    ) -> None:
        self._relation = relation
        self.type = kind
        self._render = render
        self._quote = quote
        #: which parts are quoted when not all of them are (``quote(identifier=false)``)
        self._policy = dict(quote_policy) if quote_policy and not all(quote_policy.values()) else None
        self._rendered = rendered if self._policy is None else self._render_parts()

    def _render_parts(self) -> str:
        quote = self._quote or (lambda part: '"' + part.replace('"', '""') + '"')
        policy = self._policy or {}
        rel = self._relation
        parts = [(name, value) for name, value in zip(_PARTS, (rel.database, rel.schema, rel.identifier)) if value]
        return ".".join(quote(str(value)) if policy.get(name, True) else str(value) for name, value in parts)

    def _derive(self, relation: Relation, kind: str | None) -> JinjaRelation:
        if self._render is None:
            return JinjaRelation(relation, self._rendered, kind, quote_policy=self._policy)
        return JinjaRelation(relation, self._render(relation), kind, self._render, self._quote, self._policy)

    def incorporate(
        self, path: Mapping[str, Any] | None = None, type: str | None = None, **kwargs: Any
    ) -> JinjaRelation:
        rel = self._relation
        path = path or {}
        rel = Relation(
            path.get("database", rel.database),
            path.get("schema", rel.schema) or "",  # dbt's None: no schema part
            path.get("identifier", rel.identifier) or "",
        )
        return self._derive(rel, type or self.type)

    def include(self, database: bool = True, schema: bool = True, identifier: bool = True) -> JinjaRelation:
        rel = self._relation
        return self._derive(
            Relation(
                rel.database if database else None,
                rel.schema if schema else "",
                rel.identifier if identifier else "",
            ),
            self.type,
        )

    def without_identifier(self) -> JinjaRelation:
        return self.include(identifier=False)

    def quote(
        self, database: bool | None = None, schema: bool | None = None, identifier: bool | None = None
    ) -> JinjaRelation:
        """dbt's ``quote()``: the parts given True/False are quoted or not from now on."""
        policy = dict(self._policy or dict.fromkeys(_PARTS, True))
        for name, value in zip(_PARTS, (database, schema, identifier)):
            if value is not None:
                policy[name] = bool(value)
        if self._policy is None and all(policy.values()):
            return self
        rendered = self._render(self._relation) if self._render is not None else self._rendered
        return JinjaRelation(self._relation, rendered, self.type, self._render, self._quote, policy)

    def replace_path(self, **kwargs: Any) -> JinjaRelation:
        return self.incorporate(path=kwargs)

    @property
    def path(self) -> dict[str, Any]:
        rel = self._relation
        return {"database": rel.database, "schema": rel.schema, "identifier": rel.identifier}

    def get(self, key: str, default: Any = None) -> Any:
        fields = self._fields()
        return fields[key] if key in fields else getattr(self, key, default)

    def _fields(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "type": self.type,
            "quote_policy": dict(self._policy or dict.fromkeys(_PARTS, True)),
            "include_policy": {"database": True, "schema": True, "identifier": True},
            "metadata": {"type": "BaseRelation"},
        }

    def __getitem__(self, key: str) -> Any:
        return self._fields()[key]

    def __iter__(self) -> Any:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())

    database = property(lambda self: self._relation.database)
    schema = property(lambda self: self._relation.schema)
    identifier = property(lambda self: self._relation.identifier)
    name = property(lambda self: self._relation.identifier)
    table = property(lambda self: self._relation.identifier)
    is_table = property(lambda self: self.type == "table")
    is_view = property(lambda self: self.type == "view")
    is_cte = property(lambda self: self.type == "cte")

    def render(self) -> str:
        return self._rendered

    def __str__(self) -> str:
        return self._rendered

    def __html__(self) -> str:
        return self._rendered

    def __repr__(self) -> str:
        return f"<Relation {self._rendered}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JinjaRelation):
            return self._rendered == other._rendered
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._rendered)
