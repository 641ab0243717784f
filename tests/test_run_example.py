"""The example DAG end to end: tables, run_results.json and manifest.json."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from conftest import EXAMPLE_MODELS, Project, copy_example

MANIFEST_V12 = "https://schemas.getdbt.com/dbt/manifest/v12.json"


@pytest.fixture(scope="module", params=[1, 2], ids=["threads1", "threads2"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Any]:
    """The example seeded, then run with --threads N; returns (project, run result)."""
    project = copy_example(tmp_path_factory.mktemp(f"run{request.param}"))
    project.ok("seed")
    result = project.run("run", "--threads", str(request.param))
    return project, result


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _timing(result: dict[str, Any], name: str) -> tuple[datetime, datetime]:
    (entry,) = [t for t in result["timing"] if t["name"] == name]
    return _time(entry["started_at"]), _time(entry["completed_at"])


def test_exit_zero(built: tuple[Project, Any]) -> None:
    _project, result = built
    assert result.code == 0, str(result)
    assert "Done. PASS=6 WARN=0 ERROR=0 SKIP=0" in result.stdout
    assert "Traceback" not in result.output


def test_every_model_exists_with_rows(built: tuple[Project, Any]) -> None:
    project, _ = built
    tables = project.tables()
    for name, (schema, kind) in EXAMPLE_MODELS.items():
        assert tables.get((schema, name)) == kind, (name, tables)
        (count,) = project.query(f'select count(*) from "{schema}"."{name}"')[0]
        assert count > 0, name


def test_rows_carry_the_invocation_id(built: tuple[Project, Any]) -> None:
    project, _ = built
    invocation_id = project.run_results()["metadata"]["invocation_id"]
    assert invocation_id
    assert project.manifest()["metadata"]["invocation_id"] == invocation_id
    for name, (schema, _kind) in EXAMPLE_MODELS.items():
        ids = project.query(f'select distinct invocation_id from "{schema}"."{name}"')
        assert ids == [(invocation_id,)], name


def test_run_results(built: tuple[Project, Any], request: pytest.FixtureRequest) -> None:
    project, _ = built
    data = project.run_results()
    results = data["results"]
    assert len(results) == 6
    assert {r["unique_id"] for r in results} == {f"model.article.{n}" for n in EXAMPLE_MODELS}
    db_name = project.db.stem
    for r in results:
        assert r["status"] == "success", r
        assert [t["name"] for t in r["timing"]] == ["compile", "execute"]
        for t in r["timing"]:
            assert _time(t["started_at"]) <= _time(t["completed_at"])
        _compile_start, compile_end = _timing(r, "compile")
        exec_start, _exec_end = _timing(r, "execute")
        assert compile_end <= exec_start
        assert r["thread_id"].startswith("Thread-")
        assert isinstance(r["execution_time"], float) and r["execution_time"] >= 0
        assert isinstance(r["adapter_response"], dict)
        name = r["unique_id"].split(".")[-1]
        schema = EXAMPLE_MODELS[name][0]
        assert r["relation_name"] == f'"{db_name}"."{schema}"."{name}"'
        assert r["compiled_code"].strip()
        assert "{{" not in r["compiled_code"] and "{%" not in r["compiled_code"]
    assert data["elapsed_time"] > 0
    if "threads1" in request.node.callspec.id:
        assert {r["thread_id"] for r in results} == {"Thread-1 (worker)"}
    else:
        assert {r["thread_id"] for r in results} <= {"Thread-1 (worker)", "Thread-2 (worker)"}


def test_manifest(built: tuple[Project, Any]) -> None:
    project, _ = built
    manifest = project.manifest()
    meta = manifest["metadata"]
    assert meta["dbt_schema_version"] == MANIFEST_V12
    assert meta["project_name"] == "article"
    assert meta["adapter_type"] == "duckdb"

    nodes = manifest["nodes"]
    models = {uid: n for uid, n in nodes.items() if n["resource_type"] == "model"}
    assert set(models) == {f"model.article.{n}" for n in EXAMPLE_MODELS}
    assert {uid for uid, n in nodes.items() if n["resource_type"] == "seed"} == {
        "seed.article.customers",
        "seed.article.orders",
    }
    assert set(manifest["sources"]) == {"source.article.raw.customers"}

    db_name = project.db.stem
    for uid, node in models.items():
        name = uid.split(".")[-1]
        folder = "staging" if name == "stg_orders" else "dag"
        assert node["name"] == name
        assert node["fqn"] == ["article", folder, name]
        assert node["path"] == f"{folder}/{name}.sql"
        assert node["original_file_path"] == f"models/{folder}/{name}.sql"
        assert node["config"]["materialized"] == ("view" if name == "stg_orders" else "table")
        schema = EXAMPLE_MODELS[name][0]
        assert node["relation_name"] == f'"{db_name}"."{schema}"."{name}"'
        source_file = project.root / node["original_file_path"]
        # dbt keeps the file's text with surrounding whitespace stripped
        assert node["raw_code"] == source_file.read_text(encoding="utf-8").strip()

    def deps(name: str) -> set[str]:
        return set(models[f"model.article.{name}"]["depends_on"]["nodes"])

    assert deps("stg_orders") == {"seed.article.orders"}
    assert deps("model_alpha") == {
        "model.article.stg_orders",
        "seed.article.customers",
        "source.article.raw.customers",
    }
    assert deps("model_beta_a") == deps("model_beta_b") == {"model.article.model_alpha"}
    assert deps("model_gamma_a") == {"model.article.model_beta_a"}
    assert deps("model_gamma_b") == {"model.article.model_beta_b"}


def test_parent_and_child_maps_agree(built: tuple[Project, Any]) -> None:
    project, _ = built
    manifest = project.manifest()
    parent_map: dict[str, list[str]] = manifest["parent_map"]
    child_map: dict[str, list[str]] = manifest["child_map"]
    every = set(manifest["nodes"]) | set(manifest["sources"])
    assert set(parent_map) == every
    assert set(child_map) == every
    for uid, node in manifest["nodes"].items():
        assert sorted(parent_map[uid]) == sorted(node["depends_on"].get("nodes", []))  # seeds: macros only
    edges_down = {(p, c) for c, parents in parent_map.items() for p in parents}
    edges_up = {(p, c) for p, children in child_map.items() for c in children}
    assert edges_down == edges_up
    assert sorted(c for c in child_map["model.article.model_alpha"] if not c.startswith("test.")) == [
        "model.article.model_beta_a",
        "model.article.model_beta_b",
    ]


def test_two_threads_run_the_beta_models_at_the_same_time(seeded: Project) -> None:
    result = seeded.run("run", "--threads", "2", "--vars", "{durations: {model_beta_a: 1, model_beta_b: 1}}")
    assert result.code == 0, str(result)
    by_name = {r["unique_id"].split(".")[-1]: r for r in seeded.run_results()["results"]}
    a_start, a_end = _timing(by_name["model_beta_a"], "execute")
    b_start, b_end = _timing(by_name["model_beta_b"], "execute")
    assert a_start < b_end and b_start < a_end, (a_start, a_end, b_start, b_end)
    assert by_name["model_beta_a"]["thread_id"] != by_name["model_beta_b"]["thread_id"]
    # both did their ~1 s of work
    assert by_name["model_beta_a"]["execution_time"] > 0.3
    assert by_name["model_beta_b"]["execution_time"] > 0.3
