"""The names dbt-postgres gives a query's column types in model contracts.

dbt-postgres reads the columns of a contracted model's query from the driver's cursor
description and names each type code as psycopg2's typecasters do (``INTEGER`` for int2 and
int4, ``TEXT`` for text, varchar and char, ``DECIMAL`` for numeric, ...); a code psycopg2
has no typecaster for is ``unknown type_code <oid>``. Contracts compare these names, so
``bigint`` and ``integer`` differ while ``text`` and ``varchar(10)`` do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: PostgreSQL type OID -> the name dbt-postgres reports (psycopg2's typecaster name)
_NAMES: dict[int, str] = {
    16: "BOOLEAN",
    17: "BINARY",
    18: "STRING",
    19: "STRING",
    20: "LONGINTEGER",
    21: "INTEGER",
    23: "INTEGER",
    25: "STRING",
    26: "ROWID",
    114: "JSON",
    199: "JSONARRAY",
    651: "CIDRARRAY",
    700: "FLOAT",
    701: "FLOAT",
    704: "INTERVAL",
    705: "UNKNOWN",
    1000: "BOOLEANARRAY",
    1001: "BINARYARRAY",
    1002: "STRINGARRAY",
    1003: "STRINGARRAY",
    1005: "INTEGERARRAY",
    1006: "INTEGERARRAY",
    1007: "INTEGERARRAY",
    1009: "STRINGARRAY",
    1013: "ROWIDARRAY",
    1014: "STRINGARRAY",
    1015: "STRINGARRAY",
    1016: "LONGINTEGERARRAY",
    1021: "FLOATARRAY",
    1022: "FLOATARRAY",
    1028: "ROWIDARRAY",
    1040: "MACADDRARRAY",
    1041: "INETARRAY",
    1042: "STRING",
    1043: "STRING",
    1082: "DATE",
    1083: "TIME",
    1114: "DATETIME",
    1115: "DATETIMEARRAY",
    1182: "DATEARRAY",
    1183: "TIMEARRAY",
    1184: "DATETIMETZ",
    1185: "DATETIMETZARRAY",
    1186: "INTERVAL",
    1187: "INTERVALARRAY",
    1231: "DECIMALARRAY",
    1266: "TIME",
    1270: "TIMEARRAY",
    1700: "DECIMAL",
    3802: "JSONB",
    3807: "JSONBARRAY",
    3904: "type",
    3905: "typeARRAY",
    3906: "type",
    3907: "typeARRAY",
    3908: "tsrange",
    3909: "tsrangeARRAY",
    3910: "tstzrange",
    3911: "tstzrangeARRAY",
    3912: "daterange",
    3913: "daterangeARRAY",
    3926: "type",
    3927: "typeARRAY",
}


def contract_type_name(type_code: Any) -> str:
    """The name dbt-postgres gives a cursor description's type code (its ``Column.create``
    then reads the label ``STRING`` as ``TEXT``)."""
    name = _NAMES.get(type_code) if isinstance(type_code, int) else None
    if name == "STRING":
        return "TEXT"
    return name if name is not None else f"unknown type_code {type_code}"


def contract_columns_of(names: Sequence[str], type_codes: Sequence[Any]) -> list[tuple[str, str]]:
    return [(str(name), contract_type_name(code)) for name, code in zip(names, type_codes, strict=True)]
