"""dbt 1.11 functions (UDFs) against dbt-core + dbt-duckdb: what the compat harness does not
compare (tests/compat/projects/functions does the builds, on DuckDB and PostgreSQL):
manifest.json's ``functions`` entries and the edges of ``function()`` calls, ``ls``, the
parse errors, and the build's outcome on DuckDB, which cannot create them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from oracle import Twins, log_lines, needs_dbt

pytestmark = needs_dbt

FILES = {
    "dbt_project.yml": """\
        name: proj
        version: '1.0.0'
        config-version: 2
        profile: proj
        functions:
          proj:
            +tags: [udf]
    """,
    "functions/double_it.sql": "select x * 2\n",
    "functions/more/add_default.sql": "select a + {{ var('offset', 0) }} + b\n",
    "functions/undescribed.sql": "select 1\n",
    "functions/schema.yml": """\
        version: 2
        functions:
          - name: double_it
            description: twice its argument
            meta: {owner: me}
            config:
              volatility: deterministic
            arguments:
              - name: x
                data_type: integer
                description: the value
            returns:
              data_type: integer
          - name: add_default
            config: {volatility: stable}
            arguments:
              - {name: a, data_type: integer}
              - {name: b, data_type: integer, default_value: 10}
            returns: {data_type: integer, description: their sum}
    """,
    "models/calls_udfs.sql": (
        "select {{ function('double_it') }}(21) as doubled, {{ function('proj', 'add_default') }}(1) as d\n"
    ),
    "models/plain.sql": "select 1 as one\n",
}

#: fields that differ by nature: when the file was parsed, and the macros each tool's
#: materialization calls (dagwright's is Python)
_VOLATILE = ("created_at", "database")


def _without(entry: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in entry.items() if k not in _VOLATILE}
    out["depends_on"] = {**out["depends_on"], "macros": []}
    return out


def test_manifest_functions_and_edges_are_dbts(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    twins.both("parse")
    theirs, ours = twins.artifact("dbt", "manifest.json"), twins.artifact("dagwright", "manifest.json")
    assert (
        sorted(ours["functions"])
        == sorted(theirs["functions"])
        == [
            "function.proj.add_default",
            "function.proj.double_it",
            "function.proj.undescribed",
        ]
    )
    for unique_id, entry in theirs["functions"].items():
        mine = ours["functions"][unique_id]
        assert list(mine) == list(entry), unique_id  # the same fields, in dbt's order
        assert _without(mine) == _without(entry), unique_id
    # functions are not nodes; a model's function() calls are its edges
    assert not [k for k in ours["nodes"] if k.startswith("function.")]
    model = "model.proj.calls_udfs"
    assert ours["nodes"][model]["functions"] == theirs["nodes"][model]["functions"]
    assert ours["nodes"][model]["depends_on"]["nodes"] == theirs["nodes"][model]["depends_on"]["nodes"]
    assert ours["nodes"][model]["functions"] == [["double_it"], ["proj", "add_default"]]
    for uid in (*theirs["functions"], model):
        assert ours["parent_map"][uid] == theirs["parent_map"][uid]
        assert ours["child_map"][uid] == theirs["child_map"][uid]


def test_ls_lists_functions_as_dbt_does(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    for args in (
        ("ls", "-q"),
        ("ls", "-q", "--resource-type", "function"),
        ("ls", "-q", "-s", "resource_type:function", "--output", "json"),
        ("ls", "-q", "-s", "double_it+", "--output", "path"),
        ("ls", "-q", "-s", "tag:udf"),
        ("ls", "-q", "--exclude-resource-type", "function", "--output", "name"),
    ):
        theirs, ours = twins.both(*args)
        want = [json.loads(x) for x in theirs.stdout.splitlines()] if "json" in args else theirs.stdout.splitlines()
        got = [json.loads(x) for x in ours.stdout.splitlines()] if "json" in args else ours.stdout.splitlines()
        assert got == want, args
    # dbt-core 1.11 has no `function:` selection method: both refuse it
    theirs, ours = twins.dbt("ls", "-s", "function:double_it"), twins.dagwright("ls", "-s", "function:double_it")
    assert theirs.returncode != 0 and ours.returncode != 0
    assert "'function'" in ours.stdout + ours.stderr


def test_a_call_of_an_unknown_function_fails_the_parse(tmp_path: Path) -> None:
    files = {**FILES, "models/bad.sql": "select {{ function('nope') }}(1) as x\n"}
    twins = Twins(tmp_path, files)
    theirs, ours = twins.both("parse", code=None)
    assert ours.returncode == 2 and theirs.returncode != 0
    text = ours.stdout + ours.stderr
    assert "models/bad.sql" in text and "function('nope')" in text and "Traceback" not in text


def test_a_function_without_returns_is_a_parse_error(tmp_path: Path) -> None:
    files = {
        **FILES,
        "functions/schema.yml": "functions:\n  - name: double_it\n    arguments: [{name: x, data_type: integer}]\n",
    }
    twins = Twins(tmp_path, files)
    theirs, ours = twins.both("parse", code=None)
    assert ours.returncode == 2 and theirs.returncode != 0
    assert "returns" in ours.stdout + ours.stderr


def test_build_on_duckdb_fails_the_functions_as_dbt_duckdb_does(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    _theirs, ours = twins.both("build", code=1)
    assert {u: r["status"] for u, r in twins.results("dagwright").items()} == {
        u: r["status"] for u, r in twins.results("dbt").items()
    }
    assert twins.results("dagwright")["model.proj.calls_udfs"]["status"] == "skipped"
    message = twins.results("dagwright")["function.proj.double_it"]["message"]
    assert "RETURNS" in message and "dbt-duckdb 1.11 cannot create dbt functions" in message
    assert "1 of 5 START function main.add_default" in "\n".join(log_lines(ours.stdout))
    run_sql = (twins.roots["dagwright"] / "target/run/proj/functions/double_it.sql").read_text()
    assert 'CREATE OR REPLACE FUNCTION "dagwright"."main"."double_it" (x integer)' in run_sql
    assert "IMMUTABLE" in run_sql and "select x * 2" in run_sql
    # `run` builds models only, as dbt's does: the functions are not started
    twins.both("run", code=1)
    assert (
        sorted(twins.results("dagwright"))
        == sorted(twins.results("dbt"))
        == [
            "model.proj.calls_udfs",
            "model.proj.plain",
        ]
    )


def test_state_modified_sees_a_changed_function(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    twins.both("parse")
    states = {}
    for tool, root in twins.roots.items():
        states[tool] = tmp_path / f"state_{tool}"
        (root / "target").rename(states[tool])
        (root / "functions/double_it.sql").write_text("select x * 3\n")
    listed = {
        tool: run("ls", "-q", "-s", "state:modified", "--state", str(states[tool])).stdout.split()
        for tool, run in (("dbt", twins.dbt), ("dagwright", twins.dagwright))
    }
    assert listed["dagwright"] == listed["dbt"] == ["proj.double_it"]


def test_a_python_function_needs_its_runtime_version_as_in_dbt(tmp_path: Path) -> None:
    files = {
        **FILES,
        "functions/py_fn.py": "def main(x):\n    return x\n",
        "functions/py.yml": "functions:\n  - {name: py_fn, returns: {data_type: integer}}\n",
    }
    twins = Twins(tmp_path, files)
    twins.both("build", "-s", "py_fn", code=1)
    # both are missing: dbt checks its rules in no fixed order (a set), so either one is named
    wants = ("A `runtime_version` is required", "An `entry_point` is required")
    for tool in ("dbt", "dagwright"):
        message = twins.results(tool)["function.proj.py_fn"]["message"]
        assert any(want in message for want in wants), (tool, message)


def test_the_function_result_event_is_dbts(tmp_path: Path) -> None:
    twins = Twins(tmp_path, FILES)
    events = {}
    for tool, run in (("dbt", twins.dbt), ("dagwright", twins.dagwright)):
        out = run("build", "-s", "double_it", "--log-format", "json").stdout
        found = [json.loads(x) for x in out.splitlines() if '"LogFunctionResult"' in x]
        assert len(found) == 1, (tool, out)
        events[tool] = found[0]
    theirs, ours = events["dbt"], events["dagwright"]
    assert ours["info"]["code"] == theirs["info"]["code"] == "Q047"
    assert ours["info"]["level"] == theirs["info"]["level"] == "error"
    assert sorted(ours["data"]) == sorted(theirs["data"])
    for key in ("description", "status", "index", "total"):
        assert ours["data"][key] == theirs["data"][key], key


def test_defer_of_a_function_call_is_refused(tmp_path: Path) -> None:
    """dbt would read the state environment's function for a call the run does not build;
    dagwright does not defer function() calls, and says so before anything runs."""
    twins = Twins(tmp_path, FILES)
    ours = twins.roots["dagwright"]
    assert twins.dagwright("parse").returncode == 0
    state = tmp_path / "state"
    state.mkdir()
    (state / "manifest.json").write_bytes((ours / "target" / "manifest.json").read_bytes())
    done = twins.dagwright("run", "-s", "calls_udfs", "--defer", "--state", str(state))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "function('double_it') under --defer" in done.stderr and "Traceback" not in done.stderr
    plain = twins.dagwright("run", "-s", "plain", "--defer", "--state", str(state))
    assert plain.returncode == 0, plain.stdout + plain.stderr
