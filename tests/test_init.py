"""``init``: a new project and profile without a prompt, valid for dagwright and dbt-core alike,
and nothing written when something is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from oracle import DBT, needs_dbt


def _init(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_"))}
    return subprocess.run(
        [sys.executable, "-m", "dagwright.cli", "init", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_dbt
def test_init_makes_a_project_both_tools_build(tmp_path: Path) -> None:
    result = _init(tmp_path, "shop", "--adapter", "duckdb", "--profiles-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    root = tmp_path / "shop"
    assert (root / "dbt_project.yml").is_file() and (root / "models" / "starter" / "schema.yml").is_file()
    profile = yaml.safe_load((tmp_path / "profiles.yml").read_text())
    assert profile["shop"]["outputs"]["dev"]["type"] == "duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_"))}
    for program in ([sys.executable, "-m", "dagwright.cli"], [str(DBT)]):
        built = subprocess.run(
            [*program, "build", "--profiles-dir", str(tmp_path)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert built.returncode == 0, built.stdout + built.stderr
        assert "PASS=5" in built.stdout


def test_init_appends_a_profile_and_keeps_the_others(tmp_path: Path) -> None:
    other = "other:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: x.duckdb}\n"
    (tmp_path / "profiles.yml").write_text(other)
    result = _init(
        tmp_path,
        "warehouse",
        "--adapter",
        "postgres",
        "--set",
        "user=analyst",
        "--set",
        "password={{ env_var('PGPASSWORD') }}",
        "--set",
        "dbname=analytics",
        "--set",
        "port=6543",
        "--profiles-dir",
        str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    profiles = yaml.safe_load((tmp_path / "profiles.yml").read_text())
    assert set(profiles) == {"other", "warehouse"}
    dev = profiles["warehouse"]["outputs"]["dev"]
    assert dev["port"] == 6543 and dev["password"] == "{{ env_var('PGPASSWORD') }}" and dev["host"] == "localhost"


def test_inside_a_project_init_sets_up_its_profile(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text("name: p\nprofile: p_profile\n")
    result = _init(tmp_path, "--adapter", "duckdb", "--profiles-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "p_profile" in yaml.safe_load((tmp_path / "profiles.yml").read_text())


def test_bad_input_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "profiles.yml").write_text("dup:\n  target: dev\n  outputs:\n    dev: {type: duckdb}\n")
    cases = {
        ("taken", "--adapter", "duckdb"): "exists already",
        ("1bad", "--skip-profile-setup"): "not a valid project name",
        ("dup", "--adapter", "duckdb"): "has a profile 'dup' already",
        ("pg", "--adapter", "postgres"): "needs user, password, dbname",
        ("x", "--adapter", "oracle"): "not an engine dagwright runs",
        ("y",): "needs the profile's engine",
        (): "needs the new project's name",
    }
    before = sorted(p.name for p in tmp_path.iterdir())
    for args, message in cases.items():
        result = _init(tmp_path, *args, "--profiles-dir", str(tmp_path))
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    # nothing but logs/dbt.log, which dbt's init writes there too
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "logs") == before
    assert "pg:" not in (tmp_path / "profiles.yml").read_text()
