"""``relation.information_schema(view)`` and ``information_schema_only()`` render as dbt's
``InformationSchema`` (packages such as dbt-audit-helper read ``columns`` from it)."""

from __future__ import annotations

from pathlib import Path

from oracle import Twins, needs_dbt

MODEL = (
    "select '{{ this.information_schema('columns') }}' as a, '{{ this.information_schema() }}' as b, "
    "'{{ this.information_schema_only() }}' as c, '{{ ref('other').information_schema('tables') }}' as d"
)


@needs_dbt
def test_rendered_as_dbt_renders_it(tmp_path: Path) -> None:
    twins = Twins(tmp_path, {"models/m.sql": MODEL, "models/other.sql": "select 1 as x"})
    twins.both("compile", "--select", "m")
    compiled = [
        (twins.roots[tool] / "target/compiled/proj/models/m.sql").read_text(encoding="utf-8")
        for tool in ("dbt", "dagwright")
    ]
    # each tool's DuckDB file is named after it: so is the database
    assert compiled[0].replace('"dbt"', '"db"') == compiled[1].replace('"dagwright"', '"db"')
    assert ".INFORMATION_SCHEMA.columns" in compiled[1]
