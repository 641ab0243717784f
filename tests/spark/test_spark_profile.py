"""`type: spark` profiles: bad input is a clear exit 2, secrets in a Connect URL never show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dagwright.cli import main

PROJECT = 'name: p\nversion: "1.0.0"\nconfig-version: 2\nprofile: p\n'
TOKEN = "sk-Sp4rkT0ken-123"


def _project(tmp_path: Path, outputs: dict[str, object]) -> Path:
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(PROJECT)
    (root / "models" / "m.sql").write_text("select 1 as x")
    lines = ["p:", "  target: dev", "  outputs:", "    dev:"]
    lines += [f"      {k}: {json.dumps(v)}" for k, v in outputs.items()]
    (root / "profiles.yml").write_text("\n".join(lines) + "\n")
    return root


def _invoke(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--project-dir", str(root), "--profiles-dir", str(root)])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        ({"type": "spark", "schema": "s", "method": "thrift"}, "spark `method` 'thrift' is not supported"),
        ({"type": "spark", "schema": "s", "method": "connect"}, "has no `host`"),
        ({"type": "spark", "method": "session"}, "has no `schema`"),
        ({"type": "spark", "schema": "s", "file_format": "excel"}, "`file_format` 'excel'"),
        ({"type": "spark", "schema": "s", "spark_conf": "x"}, "`spark_conf` must be a mapping"),
    ],
)
def test_bad_spark_profiles_exit_2(tmp_path: Path, outputs: dict[str, object], expected: str) -> None:
    code, output = _invoke(_project(tmp_path, outputs), "run")
    assert code == 2, output
    assert expected in output
    assert "profiles.yml" in output
    assert "Traceback" not in output


def test_connect_url_token_is_masked(tmp_path: Path) -> None:
    """A token in the URL never shows: not in `debug`'s target listing, not in the error
    when the server cannot be reached."""
    pytest.importorskip("pyspark")
    root = _project(
        tmp_path,
        {"type": "spark", "schema": "s", "method": "connect", "host": f"sc://127.0.0.1:9/;token={TOKEN}"},
    )
    code, output = _invoke(root, "debug")
    assert code == 1, output
    assert TOKEN not in output
    assert "Connection test: [ERROR]" in output
    code, output = _invoke(root, "run")
    assert code == 2, output
    assert TOKEN not in output
    assert "cannot connect to Spark Connect at 127.0.0.1:9 (sc://127.0.0.1:9/;token=****)" in output
    for path in (root / "target").rglob("*.json"):
        assert TOKEN not in path.read_text()
