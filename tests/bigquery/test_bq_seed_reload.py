"""A seed re-run on BigQuery: dbt-bigquery drops the seed's table and loads the file as a new
one, so the table gets the file's types (not the old table's), FLOAT64 columns included. Each
run loads the seed with one load job of the file itself, configured as dbt-bigquery's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .bq_helpers import bq_client, new_dataset, new_project
from .conftest import run_dbt_bigquery, write_bq_profile

FIRST = "id,price,code\n1,1.25,7\n2,3.5,8\n"
#: `code` turns from integers into text: the re-loaded table has a STRING column
SECOND = "id,price,code\n1,1.5,x7\n2,4.0,8\n3,0.25,9\n"


def _columns(emulator: Any, dataset: str) -> list[tuple[str, str]]:
    table = bq_client(emulator).get_table(f"{emulator.project}.{dataset}.prices")
    return [(f.name, f.field_type) for f in table.schema]


def _rows(emulator: Any, dataset: str) -> list[tuple[Any, ...]]:
    sql = f"select id, price, code from `{emulator.project}`.`{dataset}`.`prices` order by id"
    return [tuple(r.values()) for r in bq_client(emulator).query(sql, location="US", job_retry=None).result()]


def _load_jobs(emulator: Any, dataset: str) -> list[tuple[Any, ...]]:
    """The load jobs into the dataset, oldest first: what each read and how."""
    jobs = [job for job in bq_client(emulator).list_jobs(max_results=1000) if job.job_type == "load"]
    ours = [job for job in jobs if job.destination.dataset_id == dataset]
    return [
        (
            job.source_format or "CSV",  # unset: CSV, as dbt-bigquery leaves it
            job.skip_leading_rows,
            job.field_delimiter or ",",
            [(f.name, f.field_type) for f in job.schema],
            job.input_file_bytes,
        )
        for job in sorted(ours, key=lambda job: job.created)
    ]


def test_a_seed_re_run_loads_the_file_as_new_as_dbt_bigquery(tmp_path: Path, bq_emulator: Any, bq_oracle: Path) -> None:
    project = new_project(tmp_path / "dagwright", bq_emulator)
    oracle_dir = tmp_path / "dbt"
    oracle_dir.mkdir()
    (oracle_dir / "dbt_project.yml").write_text("name: bq_project\nversion: '1.0'\nprofile: bq\n")
    oracle_dataset = new_dataset()
    write_bq_profile(oracle_dir, "bq", oracle_dataset, emulator=bq_emulator, location="US")

    for text in (FIRST, SECOND):
        project.write({"seeds/prices.csv": text})
        (oracle_dir / "seeds").mkdir(exist_ok=True)
        (oracle_dir / "seeds" / "prices.csv").write_text(text)
        ours = project.run("seed")
        assert ours.returncode == 0, ours.stdout + ours.stderr
        theirs = run_dbt_bigquery(bq_oracle, oracle_dir, oracle_dir, "seed")
        assert theirs.returncode == 0, theirs.stdout + theirs.stderr

    expected = [("id", "INTEGER"), ("price", "FLOAT"), ("code", "STRING")]
    assert _columns(bq_emulator, oracle_dataset) == expected
    assert _columns(bq_emulator, project.dataset) == expected
    assert (
        _rows(bq_emulator, project.dataset)
        == _rows(bq_emulator, oracle_dataset)
        == [
            (1, 1.5, "x7"),
            (2, 4.0, "8"),
            (3, 0.25, "9"),
        ]
    )
    assert project.table_names() == {"prices"}  # no __dbt_tmp left
    # one load job per run, the file uploaded as it is (its size in bytes), as dbt-bigquery's
    loads = _load_jobs(bq_emulator, project.dataset)
    assert loads == _load_jobs(bq_emulator, oracle_dataset)
    assert [(job[0], job[1], job[4]) for job in loads] == [("CSV", 1, len(FIRST)), ("CSV", 1, len(SECOND))]
