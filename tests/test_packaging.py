"""What a user's ``pip install`` gets: every module dagwright imports is declared in
pyproject.toml (core dependencies, or the extra of the engine that imports it), and
``dagwright --version`` names each engine's driver. .ci/install_check.sh installs the built
wheel into bare venvs and runs it; this is the quick check of the same promise."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "dagwright"
#: import name -> distribution name, where they differ
DISTRIBUTION_OF = {
    "yaml": "pyyaml",
    "google": "google-cloud-bigquery",
    "dbt_semantic_interfaces": "dbt-semantic-interfaces",
}


def requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module name -> the source files that import it (lazy imports included)."""
    found: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top != "dagwright" and top not in sys.stdlib_module_names:
                    found.setdefault(top, set()).add(str(path.relative_to(SRC)))
    return found


def test_every_import_is_declared() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {requirement_name(r) for r in project["dependencies"]}
    extras = {
        extra: {requirement_name(r) for r in requirements}
        for extra, requirements in project["optional-dependencies"].items()
    }
    engine_extras = {"postgres", "spark", "bigquery"}
    missing = []
    for module, files in sorted(third_party_imports().items()):
        distribution = DISTRIBUTION_OF.get(module, module).lower()
        if distribution in core:
            continue
        homes = [e for e in engine_extras if distribution in extras.get(e, ())]
        if not homes:
            missing.append(f"{module} (imported by {', '.join(sorted(files))})")
            continue
        # an engine's driver is imported only by that engine's own modules
        stray = [f for f in files if not any(f.startswith(f"adapters/{home}") for home in homes)]
        if stray:
            missing.append(f"{module} is in extra {homes} but imported by {', '.join(sorted(stray))}")
    assert not missing, "undeclared runtime imports: " + "; ".join(missing)


def test_version_lists_engine_drivers() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dagwright.cli", "--version"], capture_output=True, text=True, check=True
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("dagwright ")
    assert lines[1].startswith("Python ")
    engines = [line for line in lines if line.startswith("  - ")]
    assert [line.split(":")[0] for line in engines] == ["  - duckdb", "  - postgres", "  - spark", "  - bigquery"]
    assert re.match(r"  - duckdb: duckdb \d", engines[0]), engines


def test_license_file_matches_declared_license() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "Apache-2.0"
    assert project["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
