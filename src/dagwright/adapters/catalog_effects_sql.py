"""The SQL of a relation's side effects on the catalog, as the engines' dbt adapters write it:
privileges (``grants``) and comments (``persist_docs``).

Mixins for the adapters whose engine has them; the materializations find them as optional
capabilities (``show_grants_sql`` / ``grant_sql`` / ``revoke_sql``; ``comment_sql`` /
``column_comment_sql``). Grantees are written as the project writes them (dbt does the same:
a role name is an identifier, which a project may quote itself); a comment is a string
literal, escaped, never concatenated raw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from dagwright.adapters.base import Relation


class _Renders(Protocol):
    def render(self, relation: Relation) -> str: ...

    def quote(self, identifier: str) -> str: ...


def string_literal(text: str) -> str:
    """``text`` as a standard SQL string literal (quotes doubled; PostgreSQL's
    ``standard_conforming_strings`` and DuckDB take backslashes literally)."""
    return "'" + text.replace("'", "''") + "'"


class CommentSQL:
    """``comment on <kind> <relation> is '...'`` and ``comment on column`` (dbt-postgres and
    dbt-duckdb write these)."""

    def comment_sql(self: _Renders, relation: Relation, kind: str, text: str) -> str:
        return f"comment on {kind} {self.render(relation)} is {string_literal(text)}"

    def column_comment_sql(self: _Renders, relation: Relation, column: str, text: str) -> str:
        """``column`` as it goes into SQL (quoted or not, by the column's ``quote``)."""
        return f"comment on column {self.render(relation)}.{column} is {string_literal(text)}"


class PostgresGrantSQL:
    """dbt-postgres' grants: the current grants read from ``role_table_grants`` (those the
    current role gave to others), ``grant`` with several grantees, ``revoke`` quoting them."""

    def show_grants_sql(self: _Renders, relation: Relation) -> str:
        """Rows of (grantee, privilege_type)."""
        return (
            "select grantee, privilege_type from information_schema.role_table_grants "
            "where grantor = current_role and grantee != current_role "
            f"and table_schema = {string_literal(relation.schema)} "
            f"and table_name = {string_literal(relation.identifier)}"
        )

    def grant_sql(
        self: _Renders, relation: Relation, privilege: str, grantees: Sequence[str], kind: str = "table"
    ) -> str:
        return f"grant {privilege} on {self.render(relation)} to {', '.join(grantees)}"

    def revoke_sql(
        self: _Renders, relation: Relation, privilege: str, grantees: Sequence[str], kind: str = "table"
    ) -> str:
        quoted = ", ".join(self.quote(g) for g in grantees)
        return f"revoke {privilege} on {self.render(relation)} from {quoted}"


class BigQueryGrantSQL:
    """dbt-bigquery's grants: BigQuery's DCL (``grant `<role>` on table|view <relation> to
    "<principal>", ...``), one statement per role; the current grants read from the dataset
    region's ``INFORMATION_SCHEMA.OBJECT_PRIVILEGES``, the session's user left out. A role is
    quoted with backticks, principals (``user:...``, ``group:...``) are string literals."""

    #: the dataset location (the profile's), for OBJECT_PRIVILEGES' region
    location: str | None = None

    def show_grants_sql(self: Any, relation: Relation) -> str:
        """Rows of (grantee, privilege_type)."""
        region = self.quote(f"region-{self.location or 'US'}")
        project = self.quote(relation.database or "")
        return (
            f"select grantee, privilege_type from {project}.{region}.INFORMATION_SCHEMA.OBJECT_PRIVILEGES "
            f"where object_schema = {bq_string(relation.schema)} and object_name = {bq_string(relation.identifier)} "
            "and split(grantee, ':')[offset(1)] != session_user()"
        )

    def grant_sql(self: Any, relation: Relation, privilege: str, grantees: Sequence[str], kind: str = "table") -> str:
        principals = ", ".join(bq_string(g, '"') for g in grantees)
        return f"grant {self.quote(privilege)} on {kind} {self.render(relation)} to {principals}"

    def revoke_sql(self: Any, relation: Relation, privilege: str, grantees: Sequence[str], kind: str = "table") -> str:
        principals = ", ".join(bq_string(g, '"') for g in grantees)
        return f"revoke {self.quote(privilege)} on {kind} {self.render(relation)} from {principals}"


def bq_string(text: str, quote: str = "'") -> str:
    """A BigQuery string literal (backslash escapes)."""
    escaped = text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n")
    return f"{quote}{escaped}{quote}"


class SparkGrantSQL:
    """dbt-spark's grants: ``show grants on <relation>`` (rows: principal, action type, ...),
    ``grant <privilege> on <relation> to `<grantee>``` with one grantee per statement."""

    def show_grants_sql(self: Any, relation: Relation) -> str:
        return f"show grants on {self.render(relation)}"

    def current_grants(self, rows: Sequence[Sequence[Any]]) -> list[tuple[str, str]]:
        """(grantee, privilege) of ``show grants``' rows (principal, action type, ...)."""
        return [(str(row[0]), str(row[1])) for row in rows]

    def grant_sql(
        self: Any, relation: Relation, privilege: str, grantees: Sequence[str], kind: str = "table"
    ) -> list[str]:
        return [f"grant {privilege} on {self.render(relation)} to {self.quote(g)}" for g in grantees]

    def revoke_sql(
        self: Any, relation: Relation, privilege: str, grantees: Sequence[str], kind: str = "table"
    ) -> list[str]:
        return [f"revoke {privilege} on {self.render(relation)} from {self.quote(g)}" for g in grantees]
