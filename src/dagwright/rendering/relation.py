"""A relation as templates see it (dbt's ``BaseRelation``): prints as SQL, has dbt's
attributes and methods, and is a mapping of dbt's relation fields. Which parts are quoted is
the relation's own ``quote_policy`` over the project's (``quoting:``), rendered by the engine's
dialect like every relation name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from dagwright.adapters.base import Relation
from dagwright.rendering.query_results import AttrDict


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
        policy: tuple[bool, bool, bool] = (True, True, True),
    ) -> None:
        self._relation = relation
        self._rendered = rendered
        self.type = kind
        self._render = render
        #: the project's quote policy, under the relation's own
        self._policy = policy
        #: what it prints as, where that is not its name (a microbatch input's filtered subquery)
        self._text = rendered

    def with_text(self, text: str) -> JinjaRelation:
        """The same relation printing as ``text`` (``render()`` still gives its name)."""
        other = JinjaRelation(self._relation, self._rendered, self.type, self._render, self._policy)
        other._text = text
        return other

    def _derive(self, relation: Relation, kind: str | None) -> JinjaRelation:
        if self._render is None:
            return JinjaRelation(relation, self._rendered, kind, None, self._policy)
        return JinjaRelation(relation, self._render(relation), kind, self._render, self._policy)

    def incorporate(
        self, path: Mapping[str, Any] | None = None, type: str | None = None, **kwargs: Any
    ) -> JinjaRelation:
        rel = self._relation
        path = path or {}
        rel = Relation(
            path.get("database", rel.database),
            path.get("schema", rel.schema) or "",  # dbt's None: no schema part
            path.get("identifier", rel.identifier) or "",
            rel.quote_policy,
        )
        return self._derive(rel, type or self.type)

    def include(self, database: bool = True, schema: bool = True, identifier: bool = True) -> JinjaRelation:
        rel = self._relation
        return self._derive(
            Relation(
                rel.database if database else None,
                rel.schema if schema else "",
                rel.identifier if identifier else "",
                rel.quote_policy,
            ),
            self.type,
        )

    def without_identifier(self) -> JinjaRelation:
        return self.include(identifier=False)

    def quote(
        self, database: bool | None = None, schema: bool | None = None, identifier: bool | None = None
    ) -> JinjaRelation:
        """The relation with these parts quoted (True) or not (False), as dbt's ``quote()``."""
        own = self._relation.quote_policy or (None, None, None)
        policy = tuple(new if new is not None else old for new, old in zip((database, schema, identifier), own))
        return self._derive(replace(self._relation, quote_policy=policy), self.type)

    def information_schema(self, view_name: Any = None) -> JinjaRelation:
        """dbt's ``InformationSchema`` of the relation's database: ``<database>.INFORMATION_SCHEMA``
        (the database as the relation quotes it), then ``.<view_name>`` unquoted when given."""
        database = self._relation.database
        parts = []
        if database:
            parts.append(self._render(Relation(database, "", "")) if self._render is not None else database)
        parts.append("INFORMATION_SCHEMA")
        if isinstance(view_name, str):
            parts.append(view_name)
        info = Relation(database, "INFORMATION_SCHEMA", view_name if isinstance(view_name, str) else "")
        return JinjaRelation(info, ".".join(parts), "view", None, self._policy)

    def information_schema_only(self) -> JinjaRelation:
        return self.information_schema()

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
            "quote_policy": self.quote_policy,
            "include_policy": {"database": True, "schema": True, "identifier": True},
            "metadata": {"type": "BaseRelation"},
        }

    def __getitem__(self, key: str) -> Any:
        return self._fields()[key]

    def __iter__(self) -> Any:
        return iter(self._fields())

    def __len__(self) -> int:
        return len(self._fields())

    @property
    def quote_policy(self) -> QuotePolicyView:
        own = self._relation.quote_policy or (None, None, None)
        database, schema, identifier = (base if mine is None else mine for mine, base in zip(own, self._policy))
        return QuotePolicyView(database=database, schema=schema, identifier=identifier)

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
        return self._text

    def __html__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"<Relation {self._rendered}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JinjaRelation):
            return self._rendered == other._rendered
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._rendered)


class QuotePolicyView(AttrDict):
    """``relation.quote_policy``: read as ``.identifier`` or ``['identifier']``; prints as dbt's."""

    def __repr__(self) -> str:
        return f"Policy(database={self['database']}, schema={self['schema']}, identifier={self['identifier']})"

    __str__ = __repr__
