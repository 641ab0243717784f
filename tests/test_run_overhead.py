"""What the run-overhead work must not change: compiled SQL files hold each run's SQL
(rewritten only when it changed), and manifest.json ends up with the compiled code."""

from __future__ import annotations

from conftest import write_project


def test_compiled_files_are_rewritten_only_when_their_sql_changed(tmp_path) -> None:
    files = {
        "models/a.sql": "select 1 as v",
        "models/b.sql": "select v from {{ ref('a') }}",
    }
    project = write_project(tmp_path, files)
    project.ok("run")
    compiled = project.target / "compiled" / "proj" / "models"
    before = {name: (compiled / name).stat().st_mtime_ns for name in ("a.sql", "b.sql")}
    (project.root / "models" / "b.sql").write_text("select v + 1 as v from {{ ref('a') }}")
    project.ok("run")
    assert (compiled / "a.sql").stat().st_mtime_ns == before["a.sql"]  # same SQL: left alone
    assert (compiled / "b.sql").read_text() == 'select v + 1 as v from "warehouse"."main"."a"'
    assert project.query("select v from main.b") == [(2,)]
    nodes = project.manifest()["nodes"]
    assert nodes["model.proj.b"]["compiled_code"] == 'select v + 1 as v from "warehouse"."main"."a"'
