"""dbt's logging flags on the commands outside the run family (parse, ls, compile, show,
run-operation, docs generate, clone, debug, deps, clean, init; report/command_log.py): their
events under ``--log-format json``, what stays on stdout under ``-q``, logs/dbt.log. Each is
compared with dbt-core 1.11 on the same project."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oracle import Twins, needs_dbt

FILES = {
    "models/a.sql": "select 1 as id\n",
    "models/b.sql": "select id from {{ ref('a') }}\n",
    "macros/hello.sql": "{% macro hello(x) %}{{ log('hi ' ~ x, info=True) }}{% endmacro %}\n",
}

#: the events that carry each command's result
RESULTS = {"PrintEvent", "ShowNode", "CompiledNode", "JinjaLogInfo"}


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def same_names(text: str) -> str:
    """The DuckDB file (the database's name) is named after each tool."""
    return text.replace('"dagwright"', '"dbt"')


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    pair = Twins(tmp_path_factory.mktemp("commands"), FILES)
    pair.both("run")
    return pair


COMMANDS = [
    ("ls",),
    ("ls", "--output", "json"),
    ("parse",),
    ("compile", "-s", "b"),
    ("compile", "--inline", "select 2 as y"),
    ("show", "-s", "b"),
    ("show", "--inline", "select 1 as x", "--output", "json"),
    ("run-operation", "hello", "--args", "{x: 1}"),
]


@needs_dbt
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_json_log_of_each_command_as_dbt(twins: Twins, args: tuple[str, ...]) -> None:
    theirs, ours = twins.both(*args, "--log-format", "json")
    dbt_events, our_events = events(theirs.stdout), events(ours.stdout)
    dbts = {e["info"]["name"]: e for e in dbt_events}
    for event in our_events:  # every event dbt also emits: dbt's code and level
        name = event["info"]["name"]
        if name in dbts:
            assert event["info"]["code"] == dbts[name]["info"]["code"], name
            assert event["info"]["level"] == dbts[name]["info"]["level"], name
    # the result: the same events, fields and messages as dbt's, in the same order
    want = [e for e in dbt_events if e["info"]["name"] in RESULTS]
    got = [e for e in our_events if e["info"]["name"] in RESULTS]
    assert [e["info"]["name"] for e in got] == [e["info"]["name"] for e in want]
    for mine, dbt in zip(got, want, strict=True):
        assert set(mine["data"]) == set(dbt["data"]), mine["info"]["name"]
        if args[:3] != ("ls", "--output", "json"):  # ls's JSON: compared key by key below
            assert same_names(mine["info"]["msg"]) == same_names(dbt["info"]["msg"])
    if args[0] != "parse":  # dagwright's parse says what it found and wrote (dbt: a perf_info path)
        assert ("FoundStats" in dbts) == any(e["info"]["name"] == "FoundStats" for e in our_events)
    # and logs/dbt.log, in JSON as dbt writes it with --log-format json
    log = twins.roots["dagwright"] / "logs" / "dbt.log"
    last = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])  # earlier commands wrote text
    assert last["info"]["name"] == "CommandCompleted" and last["data"]["command"] == f"dagwright {args[0]}"


@needs_dbt
def test_ls_json_in_the_json_log_as_orchestrators_read_it(twins: Twins) -> None:
    """Cosmos and dagster-dbt read ``ls --output json`` from the msg of each listed node's event."""
    theirs, ours = twins.both("ls", "--output", "json", "--log-format", "json", "--resource-type", "model")

    def listed(stdout: str) -> dict[str, dict[str, Any]]:
        nodes = [json.loads(e["info"]["msg"]) for e in events(stdout) if e["info"]["name"] == "PrintEvent"]
        return {n["unique_id"]: n for n in nodes}

    mine, dbts = listed(ours.stdout), listed(theirs.stdout)
    assert set(mine) == set(dbts) == {"model.proj.a", "model.proj.b"}
    for uid, node in dbts.items():
        assert set(mine[uid]) == set(node), uid
        for key in ("name", "resource_type", "package_name", "original_file_path", "alias", "depends_on"):
            assert mine[uid][key] == node[key], (uid, key)


QUIET = [
    ("ls",),
    ("ls", "--output", "json"),
    ("parse",),
    ("compile", "-s", "b"),
    ("compile", "--inline", "select 2 as y"),
    ("show", "-s", "b"),
    ("show", "--inline", "select 1 as x", "--output", "json"),
    ("run-operation", "hello", "--args", "{x: 1}"),
]


@needs_dbt
@pytest.mark.parametrize("args", QUIET, ids=lambda a: " ".join(a))
def test_stdout_under_quiet_as_dbt(twins: Twins, args: tuple[str, ...]) -> None:
    """dbt keeps a command's result on stdout under -q (ls's lines, show's rows, compile's SQL)."""
    theirs, ours = twins.both("-q", *args)
    if args[:3] == ("ls", "--output", "json"):
        assert [json.loads(x)["unique_id"] for x in ours.stdout.splitlines()] == [
            json.loads(x)["unique_id"] for x in theirs.stdout.splitlines()
        ]
    else:
        assert same_names(ours.stdout) == same_names(theirs.stdout)


@needs_dbt
def test_stdout_at_log_level_warn_as_dbt(twins: Twins) -> None:
    for args in (("ls",), ("show", "-s", "b")):
        theirs, ours = twins.both(*args, "--log-level", "warn")
        assert ours.stdout == theirs.stdout, args


@needs_dbt
def test_log_path_and_none_level(twins: Twins, tmp_path: Path) -> None:
    for tool in ("dbt", "dagwright"):
        folder = tmp_path / tool
        run = getattr(twins, tool)("ls", "--log-path", str(folder))
        assert run.returncode == 0 and (folder / "dbt.log").exists(), tool
        assert "model.proj.a" not in run.stdout and "proj.a" in (folder / "dbt.log").read_text(encoding="utf-8")
        assert getattr(twins, tool)("show", "-s", "b", "--log-level", "none").stdout == "", tool


def test_dagwright_json_is_refused_outside_a_run(twins: Twins) -> None:
    run = twins.dagwright("ls", "--log-format", "dagwright-json")
    assert run.returncode == 2 and "dagwright-json" in run.stderr and run.stdout == ""


FRESHNESS = {
    "seeds/raw.csv": "id,ts\n1,2020-01-01 00:00:00\n",
    "models/sources.yml": """\
        version: 2
        sources:
          - name: s
            schema: main
            loaded_at_field: ts
            freshness: {warn_after: {count: 1, period: day}}
            tables: [{name: raw}, {name: stale, identifier: raw, freshness: {error_after: {count: 1, period: day}}}]
        """,
}
FRESHNESS_EVENTS = {"NodeStart", "LogStartLine", "LogFreshnessResult", "NodeFinished", "FinishedRunningStats"}


@needs_dbt
def test_source_freshness_log_as_dbt(tmp_path: Path) -> None:
    pair = Twins(tmp_path, FRESHNESS)
    pair.both("seed")
    theirs, ours = pair.both("source", "freshness", "--log-format", "json", "--log-level", "debug", code=1)
    dbt_events, our_events = events(theirs.stdout), events(ours.stdout)

    def node_events(evs: list[dict[str, Any]]) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
        return sorted(
            (
                e["info"]["name"],
                e["info"]["code"],
                e["info"]["level"],
                e["data"].get("node_info", {}).get("unique_id", ""),
                tuple(sorted(e["data"])),
            )
            for e in evs
            if e["info"]["name"] in FRESHNESS_EVENTS
        )

    assert node_events(our_events) == node_events(dbt_events)
    for mine, dbt in zip(
        [e for e in our_events if e["info"]["name"] == "LogFreshnessResult"],
        [e for e in dbt_events if e["info"]["name"] == "LogFreshnessResult"],
        strict=True,
    ):
        for key in ("source_name", "table_name", "status"):
            assert mine["data"][key] == dbt["data"][key], key
        relation = json.dumps(mine["data"]["node_info"]["node_relation"]).replace("dagwright", "dbt")
        assert json.loads(relation) == dbt["data"]["node_info"]["node_relation"]
    # -q: the errors only; --log-level warn: the warnings too, as dbt
    for flags in (("-q",), ("--log-level", "warn")):
        where = ("-q", "source", "freshness") if flags == ("-q",) else ("source", "freshness", *flags)
        theirs, ours = pair.both(*where, code=1)
        strip = [line[10:].split(" ...")[0] for line in ours.stdout.splitlines()]
        assert strip == [line[10:].split(" ...")[0] for line in theirs.stdout.splitlines()], flags


# -- docs generate, debug, deps, clone, clean, init -------------------------------------------------

#: the events that carry what each of these commands did, as dbt names them
OTHER_EVENTS = {
    "BuildingCatalog",
    "CatalogWritten",
    "DebugCmdResult",
    "DepsNoPackagesFound",
    "DepsStartPackageInstall",
    "DepsInstallInfo",
    "DepsLockUpdating",
    "CheckCleanPath",
    "ConfirmCleanPath",
    "FinishedCleanPaths",
    "ProjectCreated",
    "EndOfRunSummary",
    "StatsLine",
}
OTHERS = [
    ("docs", "generate"),
    ("debug",),
    ("deps",),
    ("clone", "--state", "state"),
    ("clean",),  # last: it removes target/
]


@pytest.fixture(scope="module")
def others(tmp_path_factory: pytest.TempPathFactory) -> Twins:
    tmp = tmp_path_factory.mktemp("others")
    package = tmp / "pkg"
    (package / "macros").mkdir(parents=True)
    (package / "dbt_project.yml").write_text("name: pkg\nversion: '1.0.0'\nconfig-version: 2\n", encoding="utf-8")
    pair = Twins(tmp, {**FILES, "packages.yml": f"packages:\n  - local: {package}\n"})
    pair.both("deps")
    pair.both("run", "--target-path", "state")  # clone's --state
    pair.both("run")
    return pair


def _shape(evs: list[dict[str, Any]]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return sorted(
        {
            (e["info"]["name"], e["info"]["code"], e["info"]["level"], tuple(sorted(e["data"])))
            for e in evs
            if e["info"]["name"] in OTHER_EVENTS
        }
    )


@needs_dbt
@pytest.mark.parametrize("args", OTHERS, ids=lambda a: " ".join(a))
def test_json_log_of_the_other_commands_as_dbt(others: Twins, args: tuple[str, ...]) -> None:
    """docs generate, debug, deps, clone and clean: dbt's events (names, codes, levels, data
    fields) under --log-format json; nothing on stdout with -q or --log-level warn; the log
    file where --log-path says."""
    theirs, ours = others.both(*args, "--log-format", "json")
    dbt_events, our_events = events(theirs.stdout), events(ours.stdout)
    assert _shape(our_events) == _shape(dbt_events)
    assert our_events[0]["info"]["name"] == "MainReportVersion"
    dbts = {e["info"]["name"]: e for e in dbt_events}
    for event in our_events:  # every event dbt also emits: dbt's code and level
        name = event["info"]["name"]
        if name in dbts:
            assert (event["info"]["code"], event["info"]["level"]) == (
                dbts[name]["info"]["code"],
                dbts[name]["info"]["level"],
            )
    if args[0] == "clean":
        assert [e["data"]["path"] for e in our_events if e["info"]["name"] == "CheckCleanPath"] == [
            str(others.roots["dagwright"] / "target")
        ]
    log = others.roots["dagwright"] / "logs" / "dbt.log"
    last = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert (
        last["info"]["name"] == "CommandCompleted"
        and last["data"]["command"] == f"dagwright {args[-1] if args[0] == 'docs' else args[0]}"
    )
    for flags in (("-q",), ("--log-level", "warn")):
        theirs, ours = others.both(*args, *flags)
        assert ours.stdout == theirs.stdout == "", (args, flags)


@needs_dbt
def test_log_path_of_the_other_commands(others: Twins, tmp_path: Path) -> None:
    for tool in ("dbt", "dagwright"):
        folder = tmp_path / tool
        run = getattr(others, tool)("debug", "--log-path", str(folder), "--log-level-file", "info")
        assert run.returncode == 0, tool
        written = (folder / "dbt.log").read_text(encoding="utf-8")
        assert "All checks passed!" in written and "[debug]" not in written, tool


@needs_dbt
def test_init_log_as_dbt(tmp_path: Path) -> None:
    """init has no project yet: its events, and logs/ in the folder it runs in, as dbt's."""
    from oracle import DBT, _env

    seen = {}
    for tool, program in (("dbt", [str(DBT)]), ("dagwright", [sys.executable, "-m", "dagwright.cli"])):
        folder = tmp_path / tool
        folder.mkdir()
        args = ["init", "newproj", "--skip-profile-setup", "--profiles-dir", str(folder)]
        run = subprocess.run(
            [*program, *args, "--log-format", "json"],
            cwd=folder,
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        quiet = subprocess.run(
            [*program, "-q", *args[:1], "other", *args[2:]],
            cwd=folder,
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert quiet.returncode == 0 and quiet.stdout == "", (tool, quiet.stdout)
        assert (folder / "logs" / "dbt.log").is_file() and (folder / "newproj" / "dbt_project.yml").is_file()
        seen[tool] = events(run.stdout)
    assert _shape(seen["dagwright"]) == _shape(seen["dbt"])
    created = next(e for e in seen["dagwright"] if e["info"]["name"] == "ProjectCreated")
    assert created["data"]["project_name"] == "newproj"


def test_write_json_is_refused_where_it_is_not_followed(others: Twins) -> None:
    for args in (("--no-write-json", "deps"), ("deps", "--no-write-json")):
        run = others.dagwright(*args)
        assert run.returncode == 2 and "write-json" in run.stderr, args
