"""``api.Column`` and ``api.Relation`` (also ``adapter.Column`` / ``adapter.Relation``), as the
engine's dbt adapter gives them to templates."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from dagwright.adapters.base import Relation
from dagwright.errors import CompilationError


class DbColumn:
    """dbt's ``api.Column`` (dbt.adapters.base.Column); an engine whose dbt adapter has its
    own subclasses it (``rendering/engines/``)."""

    TYPE_LABELS: Mapping[str, str] = {"STRING": "TEXT"}

    def __init__(
        self,
        column: str,
        dtype: str,
        char_size: int | None = None,
        numeric_precision: Any = None,
        numeric_scale: Any = None,
    ) -> None:
        self.column = column
        self.dtype = dtype
        self.char_size = char_size
        self.numeric_precision = numeric_precision
        self.numeric_scale = numeric_scale

    @classmethod
    def translate_type(cls, dtype: str) -> str:
        return cls.TYPE_LABELS.get(str(dtype).upper(), dtype)

    @classmethod
    def create(cls, name: str, label_or_dtype: str) -> DbColumn:
        return cls(name, cls.translate_type(label_or_dtype))

    @classmethod
    def string_type(cls, size: int) -> str:
        return f"character varying({size})"

    @classmethod
    def numeric_type(cls, dtype: str, precision: Any, scale: Any) -> str:
        if precision is None or scale is None:
            return dtype
        return f"{dtype}({precision},{scale})"

    @classmethod
    def from_description(cls, name: str, raw_data_type: str) -> DbColumn:
        match = re.match(r"([^(]+)(\([^)]+\))?", raw_data_type)
        if match is None:
            raise CompilationError(f'Could not interpret data type "{raw_data_type}"')
        data_type, size_info = match.groups()
        char_size = precision = scale = None
        if size_info is not None:
            parts = size_info[1:-1].split(",")
            if len(parts) == 1:
                char_size = int(parts[0])
            elif len(parts) == 2:
                precision, scale = int(parts[0]), int(parts[1])
        return cls(name, data_type, char_size, precision, scale)

    @property
    def name(self) -> str:
        return self.column

    @property
    def quoted(self) -> str:
        return f'"{self.column}"'

    @property
    def data_type(self) -> str:
        if self.is_string():
            return self.string_type(self.string_size())
        if self.is_numeric():
            return self.numeric_type(self.dtype, self.numeric_precision, self.numeric_scale)
        return self.dtype

    @property
    def expanded_data_type(self) -> str:
        return self.data_type

    def is_string(self) -> bool:
        return self.dtype.lower() in ("text", "character varying", "character", "varchar")

    def is_float(self) -> bool:
        return self.dtype.lower() in ("real", "float", "float4", "float8", "double", "double precision")

    def is_integer(self) -> bool:
        return self.dtype.lower() in (
            "tinyint",
            "smallint",
            "integer",
            "bigint",
            "hugeint",
            "utinyint",
            "usmallint",
            "uinteger",
            "ubigint",
            "int1",
            "int2",
            "int4",
            "int8",
            "short",
            "int",
            "signed",
            "long",
        )

    def is_numeric(self) -> bool:
        return self.dtype.lower() in ("numeric", "decimal")

    def is_number(self) -> bool:
        return self.is_integer() or self.is_numeric() or self.is_float()

    def string_size(self) -> int:
        if not self.is_string():
            raise CompilationError("Called string_size() on non-string field!")
        if self.dtype == "text" or self.char_size is None:
            return 256
        return int(self.char_size)

    def can_expand_to(self, other: DbColumn) -> bool:
        if not self.is_string() or not other.is_string():
            return False
        return other.string_size() > self.string_size()

    def literal(self, value: Any) -> str:
        return f"{value}::{self.data_type}"

    def __repr__(self) -> str:
        return f"<Column {self.column} ({self.data_type})>"


RelationFactory = Callable[[Relation, "str | None"], Any]


class RelationApi:
    """``api.Relation``: ``api.Relation.create(database=..., schema=..., identifier=...)``."""

    def __init__(self, make: RelationFactory, default_database: str | None) -> None:
        self._make = make
        self._default_database = default_database

    def create(
        self,
        database: str | None = None,
        schema: str | None = None,
        identifier: str | None = None,
        type: str | None = None,
        quote_policy: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        relation = self._make(Relation(database, schema or "", identifier or ""), type)
        if quote_policy and hasattr(relation, "quote"):
            relation = relation.quote(
                **{k: v for k, v in quote_policy.items() if k in ("database", "schema", "identifier")}
            )
        return relation


class Api:
    """``api``: ``api.Relation``, and ``api.Column`` of the engine's dbt adapter (its ``JinjaEngine.column``)."""

    def __init__(self, make: RelationFactory, default_database: str | None, column: type[DbColumn] = DbColumn) -> None:
        self.Relation = RelationApi(make, default_database)
        self.Column = column
