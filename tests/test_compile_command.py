"""``compile`` does what dbt's does (issue 14, item 12): models, snapshots, seeds, tests (also
selected indirectly) and analyses get a result in run_results.json; their SQL is written under
target/compiled/ and stored in manifest.json; analyses are nodes of their own, never run."""

from __future__ import annotations

from pathlib import Path

from oracle import Twins, log_lines, needs_dbt
from stop_helpers import check_run_results_schema

pytestmark = needs_dbt

FILES = {
    "models/staging/stg_a.sql": "select * from {{ ref('people') }}",
    "models/final.sql": "{{ config(materialized='table') }}\nselect id, name from {{ ref('stg_a') }}",
    "models/schema.yml": """\
        version: 2
        models:
          - name: final
            columns:
              - name: id
                data_tests: [unique, not_null]
    """,
    "seeds/people.csv": "id,name\n1,a\n2,b\n",
    "snapshots/snap.sql": """\
        {% snapshot people_snap %}
        {{ config(target_schema='main', unique_key='id', strategy='check', check_cols='all') }}
        select * from {{ ref('people') }}
        {% endsnapshot %}
    """,
    "tests/sing/assert_small.sql": "select * from {{ ref('final') }} where id > 100",
    "macros/m.sql": "{% macro my_macro() %}41 + 1{% endmacro %}",
    "analyses/an1.sql": "select count(*) as n from {{ ref('final') }}",
    "analyses/sub/an2.sql": "select {{ my_macro() }} as x",
}

BROKEN = {
    **FILES,
    "models/staging/stg_a.sql": (
        "{% if execute %}{{ exceptions.raise_compiler_error('boom') }}{% endif %}select 1 as id"
    ),
}


def _same(text: str | None) -> str | None:
    """The twins' databases are named after their files: make the names alike. Whitespace
    is not compared (dagwright's generic test macros lay their SQL out otherwise)."""
    return None if text is None else " ".join(text.replace('"dagwright"', '"dbt"').split())


def compiled_files(twins: Twins, tool: str) -> dict[str, str]:
    base = twins.roots[tool] / "target" / "compiled"
    return {str(p.relative_to(base)): _same(p.read_text()) or "" for p in sorted(base.rglob("*.sql"))}


def test_compile_is_dbts(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    twins.both("seed")
    twins.both("compile")
    theirs, ours = twins.results("dbt"), twins.results("dagwright")
    check_run_results_schema(twins.artifact("dagwright", "run_results.json"))
    assert sorted(ours) == sorted(theirs)
    for uid, want in theirs.items():
        got = ours[uid]
        for key in ("status", "message", "failures", "compiled"):
            assert got[key] == want[key], (uid, key, got[key], want[key])
        assert _same(got["relation_name"]) == want["relation_name"], uid
        assert _same(got["compiled_code"]) == _same(want["compiled_code"]), uid
    assert compiled_files(twins, "dagwright") == compiled_files(twins, "dbt")

    # manifest.json: compiled code of tests and analyses; analyses as dbt names them
    mine, want = twins.artifact("dagwright", "manifest.json"), twins.artifact("dbt", "manifest.json")
    analyses = {uid for uid in want["nodes"] if uid.startswith("analysis.")}
    assert analyses == {"analysis.proj.an1", "analysis.proj.an2"}
    for uid in analyses:
        for key in ("resource_type", "path", "original_file_path", "fqn", "checksum", "config", "raw_code", "language"):
            assert mine["nodes"][uid][key] == want["nodes"][uid][key], (uid, key)
        assert mine["nodes"][uid]["depends_on"]["nodes"] == want["nodes"][uid]["depends_on"]["nodes"]
    for uid, node in want["nodes"].items():
        if node.get("compiled"):
            assert _same(mine["nodes"][uid]["compiled_code"]) == _same(node["compiled_code"]), uid
            assert mine["nodes"][uid]["compiled_path"] == node["compiled_path"], uid


def test_select_compiles_tests_indirectly_and_prints_the_node(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    twins.both("seed")
    theirs, ours = twins.both("compile", "-s", "final")
    assert sorted(twins.results("dagwright")) == sorted(twins.results("dbt"))
    printed = log_lines(theirs.stdout)
    start = printed.index("Compiled node 'final' is:")
    tail = log_lines(ours.stdout)
    assert [_same(line) for line in tail[tail.index("Compiled node 'final' is:") :]] == [
        _same(line) for line in printed[start:]
    ]


def test_a_compile_error_stops_the_command_as_in_dbt(tmp_path: Path) -> None:
    """dbt stops at a node that fails to compile (exit 2) and writes no run_results.json."""
    twins = Twins(tmp_path, BROKEN)
    twins.both("seed")
    theirs, ours = twins.both("compile", code=2)
    assert "boom" in theirs.stdout and "boom" in ours.stdout + ours.stderr
    assert "stg_a" in ours.stdout + ours.stderr
    for tool in ("dbt", "dagwright"):  # the seed's results are still the last ones
        assert twins.artifact(tool, "run_results.json")["args"]["which"] == "seed"


def test_analyses_are_never_run(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    twins.both("build")
    assert sorted(twins.results("dagwright")) == sorted(twins.results("dbt"))
    assert not any(uid.startswith("analysis.") for uid in twins.results("dagwright"))
    theirs, ours = twins.both("ls", "-s", "path:analyses")
    assert [line for line in log_lines(ours.stdout) if "analysis" in line] == [
        line for line in log_lines(theirs.stdout) if line.startswith("proj.analysis")
    ]
