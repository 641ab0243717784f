"""``grants`` on BigQuery against dbt-bigquery (the oracle). dbt-bigquery publishes the relation,
then applies its grants as DCL (``grant `<role>` on table|view ... to "<principal>"``), after
reading the current ones from ``region-<location>.INFORMATION_SCHEMA.OBJECT_PRIVILEGES`` when
the relation was there before. The emulator runs neither (no DCL, no region-qualified
INFORMATION_SCHEMA): both tools then give the same verdict, the node an error with its
relation published, the other nodes built. dagwright's DCL is checked as sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bq_helpers import BQProject, new_project
from .conftest import run_dbt_bigquery

GRANTS = "grants={'roles/bigquery.dataViewer': ['user:a@example.com', 'group:g@example.com']}"
FILES = {
    "dbt_project.yml": "name: grants_project\nversion: '1.0'\nprofile: bq\n",
    "models/g.sql": "{{ config(materialized='table', " + GRANTS + ") }}\nselect 1 as id",
    "models/gv.sql": "{{ config(materialized='view', " + GRANTS + ") }}\nselect 1 as id",
    "models/plain.sql": "{{ config(materialized='table') }}\nselect 1 as id",
}


def _verdict(project: BQProject) -> dict[str, str]:
    return {name: result["status"] for name, result in project.results_by_name().items()}


def test_grants_as_dbt_bigquery_on_the_emulator(tmp_path: Path, bq_emulator: Any, bq_oracle: Path) -> None:
    ours = new_project(tmp_path / "dagwright", bq_emulator, name="grants_project")
    theirs = new_project(tmp_path / "dbt", bq_emulator, name="grants_project")
    for project in (ours, theirs):
        project.write(FILES)
    for attempt in ("first", "again"):  # new relations; then existing ones (current grants read first)
        dbt = run_dbt_bigquery(bq_oracle, theirs.root, theirs.root, "run")
        run = ours.run("run")
        assert run.returncode == dbt.returncode == 1, (attempt, run.stdout + run.stderr, dbt.stdout)
        assert _verdict(ours) == _verdict(theirs) == {"g": "error", "gv": "error", "plain": "success"}, attempt
        assert ours.table_names() == theirs.table_names() == {"g", "gv", "plain"}, attempt
        message = ours.results_by_name()["g"]["message"]
        assert f"grants failed after `{bq_emulator.project}`.`{ours.dataset}`.`g` was published" in message

    sent = ours.statements()
    grants = [s for s in sent if s.startswith("grant ")]
    assert (
        f"grant `roles/bigquery.dataViewer` on table `{bq_emulator.project}`.`{ours.dataset}`.`g` to "
        '"user:a@example.com", "group:g@example.com"' in grants
    )
    assert any(s.startswith("grant `roles/bigquery.dataViewer` on view ") for s in grants)
    reads = [s for s in sent if "OBJECT_PRIVILEGES" in s]
    assert len(reads) == 2  # the second run only: the relations existed
    assert f"from `{bq_emulator.project}`.`region-US`.INFORMATION_SCHEMA.OBJECT_PRIVILEGES" in reads[0]
