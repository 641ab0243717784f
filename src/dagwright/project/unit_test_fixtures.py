"""The rows of a unit test's given input or expected output, as written in its property file
(``rows``) or read from its fixture file (``tests/fixtures/<name>.csv|sql``): a list of
mappings (``dict``, ``csv``: an empty CSV field is null) or a query (``sql``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def fixture_rows(spec: Mapping[str, Any], seed_file: Path | None = None) -> list[dict[str, Any]] | str | None:
    """A ``given`` or ``expect`` spec's rows; a ``dict`` input without rows takes the rows of
    ``seed_file`` (its seed's CSV), as dbt does; None when there is none to take."""
    fmt = spec.get("format") or "dict"
    text = spec.get("rows")
    if spec.get("fixture_path"):
        text = Path(spec["fixture_path"]).read_text(encoding="utf-8").strip()
    if fmt == "sql":
        return str(text)
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(str(text or "")))
        return _first_full_row_first([{k: (None if v == "" else v) for k, v in row.items()} for row in reader])
    if text is None:
        if seed_file is None:
            return None
        with seed_file.open(encoding="utf-8", newline="") as handle:
            return _first_full_row_first(list(csv.DictReader(handle)))
    return _first_full_row_first([dict(r) for r in text])


def _first_full_row_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first row without nulls moved to the top (dbt does, for engines that type a union's
    columns from its first row)."""
    for index, row in enumerate(rows):
        if all(value is not None for value in row.values()):
            rows[0], rows[index] = rows[index], rows[0]
            break
    return rows
