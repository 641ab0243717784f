"""target/history/: the last runs kept beside run_results.json (artifacts/run_history.py)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import write_project
from dagwright.artifacts.run_history import history_durations, list_history, typical_durations

FILES = {
    "seeds/people.csv": "id,name\n1,ann\n2,bob\n",
    "models/a.sql": "select * from {{ ref('people') }}\n",
    "models/b.sql": "select count(*) as n from {{ ref('a') }}\n",
}


def test_each_command_adds_a_run_and_the_oldest_go(tmp_path: Path) -> None:
    project = write_project(tmp_path, FILES)
    project.ok("seed")
    project.ok("run")
    entries = list_history(project.target)
    assert len(entries) == 2  # seed then run: the seed's picture is not erased
    newest, oldest = (entry.load() for entry in entries)
    assert newest is not None and oldest is not None
    assert newest["args"]["which"] == "run" and oldest["args"]["which"] == "seed"
    assert newest["metadata"]["invocation_id"] == entries[0].invocation_id
    # the run as written, less the compiled SQL; with the parents of what ran
    assert all("compiled_code" not in r for r in newest["results"])
    assert newest["parents"]["model.proj.b"] == ["model.proj.a"]
    latest = json.loads((project.target / "run_results.json").read_text())
    assert [r["unique_id"] for r in newest["results"]] == [r["unique_id"] for r in latest["results"]]

    durations = history_durations(project.target)
    assert set(durations) == {"seed.proj.people", "model.proj.a", "model.proj.b"}
    assert all(len(v) == 1 for v in durations.values())
    assert typical_durations({"x": [3.0, 1.0, 2.0]}) == {"x": 2.0}

    # beside each entry its summary, what --list and the run's medians read
    assert entries[0].summary() == json.loads(entries[0].summary_path.read_text())
    assert entries[0].summary()["command"] == "run" and entries[0].summary()["statuses"] == {"success": 2}  # type: ignore[index]

    project.env["DAGWRIGHT_HISTORY_RUNS"] = "2"
    project.ok("run")
    assert len(list_history(project.target)) == 2
    assert len(list((project.target / "history").glob("*.summary.json"))) == 2  # removed with their entries
    assert [e.load()["args"]["which"] for e in list_history(project.target)] == ["run", "run"]  # type: ignore[index]

    project.env["DAGWRIGHT_HISTORY_RUNS"] = "0"
    project.ok("run")
    assert len(list_history(project.target)) == 2  # 0 keeps no new run


def test_no_write_json_keeps_no_history(tmp_path: Path) -> None:
    project = write_project(tmp_path, FILES)
    project.ok("seed", "--no-write-json")
    assert list_history(project.target) == []
