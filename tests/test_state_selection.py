"""``--state`` selection (``state:``, ``result:``, ``source_status:``) against dbt-core 1.11.

One project is parsed by dbt and by dagwright (their two manifests are the states), then
changed in every way dbt's ``state:modified`` tells apart; each selector is listed by dbt
with dbt's state (the oracle) and by dagwright with either state, and by dbt with
dagwright's state (dagwright's manifest.json as dbt's state)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oracle import DBT, Twins, needs_dbt

pytestmark = needs_dbt

SCHEMA_YML = """\
version: 2
sources:
  - name: raw
    schema: main
    tables:
      - name: events
      - name: other
models:
  - name: body_m
    columns:
      - name: id
        data_tests: [not_null, unique]
  - name: doc_m
    description: first words
    config:
      persist_docs: {relation: true, columns: true}
    columns:
      - name: id
        description: the id
  - name: doc_np
    description: first words
  - name: tag_m
    config:
      tags: [one]
  - name: contract_m
    config:
      materialized: table
      contract: {enforced: true}
    columns:
      - name: x
        data_type: integer
"""
PROJECT_YML = "name: proj\nversion: '1.0.0'\nconfig-version: 2\nprofile: proj\nmodels: {proj: {+materialized: view}}\n"
#: > 1 MiB: dbt checksums such a seed by its path
BIG_SEED = "id,payload\n" + "".join(f"{i},{'x' * 60}\n" for i in range(20000))

BEFORE = {
    "dbt_project.yml": PROJECT_YML,
    "seeds/seed_small.csv": "id,name\n1,a\n2,b\n",
    "seeds/seed_big.csv": BIG_SEED,
    "seeds/seed_big2.csv": BIG_SEED,
    "macros/twice.sql": "{% macro twice(x) %}{{ x }} * 2{% endmacro %}\n",
    "macros/outer.sql": "{% macro outer(x) %}({{ twice(x) }}){% endmacro %}\n",
    "models/body_m.sql": "select id, name from {{ ref('seed_small') }}\n",
    "models/same_m.sql": "select * from {{ ref('body_m') }}\n",
    "models/cfg_m.sql": "{{ config(materialized='view') }}\nselect 1 as id\n",
    "models/alias_m.sql": "select 1 as id\n",
    "models/schema_m.sql": "select 1 as id\n",
    "models/doc_m.sql": "select 1 as id\n",
    "models/doc_np.sql": "select 1 as id\n",
    "models/tag_m.sql": "select 1 as id\n",
    "models/macro_m.sql": "select {{ twice('1') }} as d\n",
    "models/macro_child.sql": "select {{ outer('2') }} as d\n",
    "models/contract_m.sql": "select 1 as x\n",
    "models/gone_m.sql": "select 1 as id\n",
    "models/src_m.sql": "select * from {{ source('raw', 'events') }}\n",
    "models/schema.yml": SCHEMA_YML,
}
AFTER = {
    **{k: v for k, v in BEFORE.items() if k != "models/gone_m.sql"},
    "models/body_m.sql": "select id, name, 1 as extra from {{ ref('seed_small') }}\n",  # body
    "seeds/seed_small.csv": "id,name\n1,a\n2,c\n",  # a seed's rows
    "seeds/seed_big2.csv": BIG_SEED.replace("1,x", "1,y", 1),  # too large to tell: unmodified
    "models/cfg_m.sql": "{{ config(materialized='table') }}\nselect 1 as id\n",  # configs
    "models/alias_m.sql": "{{ config(alias='alias_m_renamed') }}\nselect 1 as id\n",  # relation
    "models/schema_m.sql": "{{ config(schema='other') }}\nselect 1 as id\n",  # relation
    "macros/twice.sql": "{% macro twice(x) %}{{ x }} * 3{% endmacro %}\n",  # macros, also via outer
    "models/new_m.sql": "select 2 as id\n",
    "models/schema.yml": SCHEMA_YML.replace("description: first words", "description: second words")
    .replace("tags: [one]", "tags: [two]")
    .replace("data_type: integer", "data_type: bigint")
    .replace("data_tests: [not_null, unique]", "data_tests: [not_null, {unique: {config: {severity: warn}}}]")
    .replace("      - name: other\n", "      - name: other\n      - name: added\n"),
}
SELECTORS = [
    "state:new",
    "state:old",
    "state:modified",
    "state:unmodified",
    "state:modified.body",
    "state:modified.configs",
    "state:modified.relation",
    "state:modified.persisted_descriptions",
    "state:modified.macros",
    "state:modified.contract",
    "state:modified+",
    "+state:modified.body",
    "state:modified,resource_type:seed",
    "state:new state:modified.relation",
]
#: dbt, given dagwright's manifest as its state, compares dbt's built-in macros with
#: dagwright's own (another text): nodes calling them (generic tests) count as modified
BUILTIN_MACRO_SELECTORS = {"state:modified.macros", "state:unmodified"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_"))}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DO_NOT_TRACK"] = "1"
    return env


def _write(root: Path, files: dict[str, str], db: Path) -> None:
    for folder in ("models", "seeds", "macros", "target"):
        shutil.rmtree(root / folder, ignore_errors=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    profile = f"proj:\n  target: dev\n  outputs:\n    dev: {{type: duckdb, path: '{db}', threads: 1}}\n"
    (root / "profiles.yml").write_text(profile, encoding="utf-8")


def _dagwright(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dagwright.cli", *args, "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


_DBT_LS = """
import json, sys
from dbt.cli.main import dbtRunner
root, cases = sys.argv[1], json.loads(sys.argv[2])
runner = dbtRunner()
out = []
for selector, state in cases:
    res = runner.invoke(["-q", "ls", "-s", *selector.split(), "--state", state,
                         "--project-dir", root, "--profiles-dir", root])
    out.append(sorted(res.result or []))
print("@@" + json.dumps(out))
"""


def _dbt_ls(root: Path, cases: list[tuple[str, str]]) -> list[list[str]]:
    """dbt's ``ls`` of each (selector, state), in one process (dbt starts in seconds)."""
    python = DBT.parent / "python"
    proc = subprocess.run(
        [str(python), "-c", _DBT_LS, str(root), json.dumps(cases)],
        cwd=root,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert "@@" in proc.stdout, proc.stdout + proc.stderr
    return json.loads(proc.stdout.split("@@", 1)[1])


def _ls(root: Path, selector: str, state: Path) -> list[str]:
    proc = _dagwright(root, "ls", "-s", *selector.split(), "--state", str(state))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return sorted(line for line in proc.stdout.splitlines() if line.strip())


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("state_matrix")
    root = tmp / "proj"
    _write(root, BEFORE, tmp / "w.duckdb")
    subprocess.run(
        [str(DBT), "-q", "parse", "--project-dir", str(root), "--profiles-dir", str(root)],
        cwd=root,
        env=_env(),
        check=True,
        capture_output=True,
    )
    shutil.copytree(root / "target", tmp / "state_dbt")
    shutil.rmtree(root / "target")
    assert _dagwright(root, "parse").returncode == 0
    shutil.copytree(root / "target", tmp / "state_dagwright")
    _write(root, AFTER, tmp / "w.duckdb")
    return {"root": root, "dbt": tmp / "state_dbt", "dagwright": tmp / "state_dagwright"}


def test_state_selectors_match_dbt_with_either_state(matrix: dict[str, Path]) -> None:
    root = matrix["root"]
    cases = [(s, str(matrix[tool])) for s in SELECTORS for tool in ("dbt", "dagwright")]
    oracle = dict(zip(cases, _dbt_ls(root, cases)))
    wrong = []
    for selector in SELECTORS:
        want = oracle[(selector, str(matrix["dbt"]))]
        for tool in ("dbt", "dagwright"):
            got = _ls(root, selector, matrix[tool])
            if got != want:
                wrong.append(f"{selector} (state by {tool}): dbt {want}, dagwright {got}")
        # dbt reading dagwright's manifest as its state
        theirs = oracle[(selector, str(matrix["dagwright"]))]
        if selector in BUILTIN_MACRO_SELECTORS:
            theirs = [n for n in theirs if "_body_m_id" not in n]
            want = [n for n in want if "_body_m_id" not in n]
        if theirs != want:
            wrong.append(f"{selector}: dbt with dagwright's state {theirs}, with its own {want}")
    assert not wrong, "\n".join(wrong)
    # the matrix covers every kind of change it claims to
    modified = oracle[("state:modified", str(matrix["dbt"]))]
    for name in ("body_m", "cfg_m", "alias_m", "schema_m", "doc_m", "macro_m", "macro_child", "contract_m", "new_m"):
        assert f"proj.{name}" in modified
    assert "proj.seed_small" in modified and "proj.seed_big2" not in modified and "proj.doc_np" not in modified


def test_large_seed_compared_by_path_is_said(matrix: dict[str, Path]) -> None:
    proc = _dagwright(matrix["root"], "ls", "-s", "state:modified", "--state", str(matrix["dbt"]))
    assert "seed_big2" in proc.stdout + proc.stderr
    assert "too large" in proc.stdout + proc.stderr


def test_state_selector_without_state_is_an_error(matrix: dict[str, Path]) -> None:
    proc = _dagwright(matrix["root"], "ls", "-s", "state:modified")
    assert proc.returncode == 2
    assert "--state" in proc.stderr and "Traceback" not in proc.stderr
    proc = _dagwright(matrix["root"], "ls", "-s", "state:changed", "--state", str(matrix["dbt"]))
    assert proc.returncode == 2 and "invalid state selector" in proc.stderr
    empty = matrix["root"].parent / "empty_state"
    empty.mkdir(exist_ok=True)
    proc = _dagwright(matrix["root"], "ls", "-s", "state:new", "--state", str(empty))
    assert proc.returncode == 2 and "manifest.json" in proc.stderr


def test_state_from_environment_variable(matrix: dict[str, Path]) -> None:
    env = {**_env(), "DBT_STATE": str(matrix["dbt"])}
    root = matrix["root"]
    proc = subprocess.run(
        [sys.executable, "-m", "dagwright.cli", "ls", "-s", "state:new", "--project-dir", str(root)],
        cwd=root,
        env={**env, "DBT_PROFILES_DIR": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.split()) == ["proj.new_m", "source:proj.raw.added"]


RESULT_FILES = {
    "models/ok_m.sql": "select 1 as id",
    "models/bad_m.sql": "select * from missing_table",
    "models/after_bad.sql": "select * from {{ ref('bad_m') }}",
    "models/after_ok.sql": "select * from {{ ref('ok_m') }}",
    "models/schema.yml": """\
version: 2
models:
  - name: ok_m
    columns:
      - name: id
        data_tests:
          - accepted_values: {arguments: {values: [2]}}
          - accepted_values: {arguments: {values: [3]}, config: {severity: warn}}
          - not_null
""",
}
RESULT_SELECTORS = [
    "result:success",
    "result:error",
    "result:skipped",
    "result:fail",
    "result:warn",
    "result:pass",
    "result:error+",
    "result:fail+ result:skipped",
]


def _copy_target(twins: Twins, name: str) -> None:
    for root in twins.roots.values():
        shutil.copytree(root / "target", root / name)


def test_result_selectors_match_dbt(tmp_path: Path) -> None:
    twins = Twins(tmp_path, RESULT_FILES)
    twins.both("build", code=1)
    _copy_target(twins, "prev")
    dbt_root = twins.roots["dbt"]
    cases = [(s, str(dbt_root / "prev")) for s in RESULT_SELECTORS]
    oracle = dict(zip(RESULT_SELECTORS, _dbt_ls(dbt_root, cases)))
    for selector in RESULT_SELECTORS:
        ours = _ls(twins.roots["dagwright"], selector, twins.roots["dagwright"] / "prev")
        with_dbt_state = _ls(twins.roots["dagwright"], selector, dbt_root / "prev")
        assert ours == oracle[selector] == with_dbt_state, selector
    assert oracle["result:error"] == ["proj.bad_m"]


FRESHNESS_FILES = {
    "seeds/raw_events.csv": "id,loaded_at\n1,2024-01-01 00:00:00\n",
    "seeds/raw_other.csv": "id,loaded_at\n1,2024-01-01 00:00:00\n",
    "models/from_events.sql": "select * from {{ source('raw', 'events') }}",
    "models/from_other.sql": "select * from {{ source('raw', 'other') }}",
    "models/schema.yml": """\
version: 2
sources:
  - name: raw
    schema: main
    config:
      loaded_at_field: loaded_at
      freshness: {warn_after: {count: 100000, period: day}}
    tables:
      - name: events
        identifier: raw_events
      - name: other
        identifier: raw_other
""",
}


def test_source_status_fresher_matches_dbt(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FRESHNESS_FILES)
    twins.both("seed")
    twins.both("source", "freshness")
    _copy_target(twins, "prev")
    for root in twins.roots.values():
        (root / "seeds" / "raw_events.csv").write_text("id,loaded_at\n1,2024-01-01 00:00:00\n2,2024-02-01 00:00:00\n")
    twins.both("seed")
    twins.both("source", "freshness")
    selectors = ["source_status:fresher", "source_status:fresher+", "source_status:stale"]
    dbt_root = twins.roots["dbt"]
    oracle = _dbt_ls(dbt_root, [(s, str(dbt_root / "prev")) for s in selectors])
    ours = [_ls(twins.roots["dagwright"], s, twins.roots["dagwright"] / "prev") for s in selectors]
    assert ours == oracle
    assert oracle[1] == ["proj.from_events", "source:proj.raw.events"]


CONTRACT_YML = """\
version: 2
models:
  - name: plain
    config: {materialized: table, contract: {enforced: true}}
    columns: [{name: x, data_type: integer}]
  - name: versioned
    latest_version: 1
    config: {materialized: table, contract: {enforced: true}}
    columns: [{name: x, data_type: integer}]
    versions: [{v: 1}]
"""


@pytest.mark.parametrize(("model", "code"), [("plain", 0), ("versioned", 2)])
def test_breaking_contract_change_as_dbt(tmp_path: Path, model: str, code: int) -> None:
    files = {
        "models/plain.sql": "select 1 as x",
        "models/versioned_v1.sql": "select 1 as x",
        "models/schema.yml": CONTRACT_YML,
    }
    twins = Twins(tmp_path, files)
    twins.both("parse")
    _copy_target(twins, "prev")
    changed = CONTRACT_YML.replace(f"name: {model}\n", f"name: {model}\n    description: changed\n")
    start = changed.index(f"name: {model}\n")
    changed = changed[:start] + changed[start:].replace("data_type: integer", "data_type: varchar", 1)
    for root in twins.roots.values():
        (root / "models" / "schema.yml").write_text(changed)
    theirs, ours = twins.both("ls", "-s", "state:modified", "--state", "prev", code=code)
    assert "breaking change" in ours.stderr and "x changed type" in ours.stderr
    if code == 0:
        assert sorted(ours.stdout.split()) == sorted(line for line in theirs.stdout.split() if line.startswith("proj."))
