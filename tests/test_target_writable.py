"""target/ that cannot take the artifacts (read-only, a file, a full disk): an error naming the
path before any node runs; an artifact write failing at the end: an error naming the file and
the reason, exit 2, the nodes that ran listed (their outcomes stand), no stale run_results.json."""

from __future__ import annotations

import json
import os

import pytest

MODELS = {
    "models/a.sql": "select 1 as id\n",
    "models/b.sql": "select id from {{ ref('a') }}\n",
}


def _relations(project) -> list[str]:
    if not project.db.exists():
        return []
    return [row[0] for row in project.query("select table_name from information_schema.tables order by 1")]


def test_a_target_path_that_is_a_file_fails_before_any_node(make_project) -> None:
    project = make_project(MODELS)
    (project.root / "not_a_folder").write_text("x")
    result = project.run("run", "--target-path", "not_a_folder")
    assert result.code == 2, result
    assert "not_a_folder" in result.stderr and "a file stands where a folder must be" in result.stderr, result
    assert "Traceback" not in result.output and "Internal error" not in result.output, result
    assert "START" not in result.stdout, result
    assert _relations(project) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_target_fails_before_any_node(make_project) -> None:
    project = make_project(MODELS)
    project.target.mkdir()
    project.target.chmod(0o500)
    try:
        result = project.run("build")
    finally:
        project.target.chmod(0o700)
    assert result.code == 2, result
    assert str(project.target) in result.stderr and "Permission denied" in result.stderr, result
    assert "START" not in result.stdout, result
    assert _relations(project) == []


def test_run_results_that_cannot_be_written_is_a_clear_error_after_the_run(make_project) -> None:
    project = make_project(MODELS)
    (project.target / "run_results.json").mkdir(parents=True)
    result = project.run("run")
    assert result.code == 2, result
    assert "Traceback" not in result.output and "Internal error" not in result.output, result
    assert str(project.target / "run_results.json") in result.stderr, result
    assert "Is a directory" in result.stderr, result
    # the terminal says what was built: the warehouse has it
    assert "2 node(s) ran" in result.stdout and "model.proj.a (success)" in result.stdout, result
    assert _relations(project) == ["a", "b"]
    # the manifest still written; no probe file left behind
    assert json.loads((project.target / "manifest.json").read_text())["nodes"]
    assert not list(project.target.glob(".dagwright-write-probe*"))


def test_a_failed_write_removes_the_previous_runs_file_and_names_the_reason(tmp_path) -> None:
    import errno

    from dagwright.tasks.artifact_failure import write_failed

    stale = tmp_path / "run_results.json"
    stale.write_text('{"results": []}')
    tmp_name = str(tmp_path / ".run_results.json.1.0.tmp")
    error = write_failed(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), tmp_name), stale)
    assert not stale.exists()  # it described another run
    assert error.exit_code == 2
    assert str(error).startswith(f"{stale}: cannot write the artifacts: No space left on device"), str(error)


def test_the_probe_names_the_folder_that_cannot_be_made(tmp_path) -> None:
    from dagwright.artifacts.files import check_writable
    from dagwright.errors import ArtifactError

    (tmp_path / "file").write_text("")
    with pytest.raises(ArtifactError) as caught:
        check_writable(tmp_path / "file" / "target")
    assert str(tmp_path / "file" / "target") in str(caught.value)
    check_writable(tmp_path / "new" / "target")  # made, probed, left empty
    assert list((tmp_path / "new" / "target").iterdir()) == []
