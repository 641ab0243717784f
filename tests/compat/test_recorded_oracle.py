"""The recordings of dbt's steps (recorded_oracle.py): values survive the round trip, a change
to a case makes its recording stale, and every recording belongs to a case."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import shutil
import uuid
from pathlib import Path

import pytest

from . import recorded_oracle
from .conftest import PROJECTS_DIR, Relation, Step, load_case

VALUES = [
    None,
    True,
    0,
    -(2**70),
    1.5,
    float("inf"),
    "text, 'quoted'",
    decimal.Decimal("1.20"),
    dt.date(2024, 1, 2),
    dt.datetime(2024, 1, 2, 3, 4, 5, 678901),
    dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    dt.time(23, 59, 1),
    dt.timedelta(days=-1, seconds=5, microseconds=7),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    b"\x00\xff",
    (1, ("nested", None), ()),
    ("NaN",),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_comes_back_equal_and_of_its_type(value: object) -> None:
    back = recorded_oracle.decode_value(json.loads(json.dumps(recorded_oracle.encode_value(value))))
    assert back == value
    assert type(back) is type(value)


def test_a_value_of_an_unknown_type_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot record"):
        recorded_oracle.encode_value(object())


def test_a_recording_replays_the_steps_and_goes_stale_when_the_case_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "projects" / "ephemeral"
    shutil.copytree(PROJECTS_DIR / "ephemeral", folder)
    monkeypatch.setattr(recorded_oracle, "RECORDED_DIR", tmp_path / "recorded")
    case = load_case(folder)
    versions = {"dbt-core": "1.11", "dbt-duckdb": "1.11"}
    relation = Relation("main", "m", "BASE TABLE", [("id", "INTEGER")], [(1,), (None,)], ["id"])
    step = Step("dbt", ["run"], 1, "out", "err", 2.5, {"model.p.m": "error"}, {("main", "m"): relation})
    recorded_oracle.save(case, "duckdb", versions, [step])

    (back,) = recorded_oracle.load(case, "duckdb", versions, Step, Relation) or [None]
    assert (back.argv, back.returncode, back.statuses) == (["run"], 1, {"model.p.m": "error"})
    assert back.relations == {("main", "m"): relation}

    assert recorded_oracle.load(case, "duckdb", {**versions, "dbt-core": "1.12"}, Step, Relation) is None
    with (folder / "models" / "added.sql").open("w", encoding="utf-8") as added:
        added.write("select 1 as id\n")
    assert recorded_oracle.load(load_case(folder), "duckdb", versions, Step, Relation) is None


def test_every_recording_belongs_to_a_case() -> None:
    cases = {d.name for d in PROJECTS_DIR.iterdir() if d.is_dir()}
    orphans = sorted(
        str(path.relative_to(recorded_oracle.RECORDED_DIR))
        for path in recorded_oracle.RECORDED_DIR.glob("*/*.json")
        if path.stem not in cases
    )
    assert not orphans, f"recordings of cases that no longer exist (delete them): {orphans}"
