"""A property test of the stop semantics (issue 3) over random DAGs on real DuckDB.

Random DAGs of 2..20 models (mostly tables, some views; edges only from lower to higher
index), random failing nodes (tables with a cast that fails at run time), random small
durations (a cross join over range()), 1-4 threads, --fail-fast on or off, and sometimes
a ``cancel()`` at a random moment through ``dagwright.api``. Runs without a cancel go
through ``dagwright.tasks.run.execute``, the CLI's code path minus argument parsing, so
the terminal summary can be checked too.

Invariants checked on every run (empty warehouse):
- every node has exactly one outcome, one of success / error / skipped / cancelled;
- success <=> its table exists and holds this run's invocation_id; otherwise no table;
- error only for a node designed to fail, with its own error; a designed failure never succeeds;
- a node that started (success, error, cancelled) had all its parents succeed;
- "skipped because upstream X failed": X is an ancestor that ended in error;
- cancelled and "not started: <trigger>" only after a stop, naming that stop's trigger;
- without a stop, the outcome of every node is fully determined by the failing set;
- with --fail-fast and an error, the stop is "fail-fast after <an errored node> failed";
- no node started after the stop (first timing started_at <= metadata.stop.at), and
  cancelled statements ended soon after it;
- never more nodes running than threads;
- terminal end lines and the Done line agree with run_results.json; no temp relations;
- the exit code: 0 if every node succeeded, else 1.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dagwright.api
from dagwright.report.terminal import Terminal
from dagwright.session import Flags
from dagwright.tasks.run import execute
from stop_helpers import (
    STATUSES,
    assert_never_more_running_than,
    by_uid,
    check_summary,
    check_terminal,
    outcome,
    project_workspace,
    stop_record,
    stop_time,
    timing,
)

#: DuckDB cross-join pairs per second on one core (N=15800 -> ~1 s on this machine)
BURN_RATE = 250_000_000
#: allowed lag from the stop to the end of a cancelled statement (the goal is < 0.1 s; slack for load)
REACTION = 0.5
#: timestamps are written with microseconds; allow for rounding between two clocks reads
EPS = dt.timedelta(milliseconds=1)


@dataclass(frozen=True)
class Scenario:
    parents: tuple[tuple[int, ...], ...]
    failing: frozenset[int]
    views: frozenset[int]
    durations: tuple[float, ...]
    threads: int
    fail_fast: bool
    cancel_after: float | None

    @property
    def n(self) -> int:
        return len(self.parents)


def name(i: int) -> str:
    return f"n{i:02d}"


def uid(i: int) -> str:
    return f"model.prop.{name(i)}"


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(2, 20))
    parents = tuple(
        tuple(sorted(draw(st.sets(st.integers(0, i - 1), max_size=min(i, 3))))) if i else () for i in range(n)
    )
    failing = frozenset(draw(st.sets(st.integers(0, n - 1), max_size=3)))
    # a view's SQL only runs when it is read, so a failing node is always a table
    views = frozenset(draw(st.sets(st.integers(0, n - 1), max_size=n // 3))) - failing
    durations = tuple(draw(st.sampled_from([0.0, 0.0, 0.02, 0.05, 0.1, 0.2, 0.3])) for _ in range(n))
    threads = draw(st.integers(1, 4))
    fail_fast = draw(st.booleans())
    cancel_after = draw(st.none() | st.none() | st.floats(0.0, 0.8))
    return Scenario(parents, failing, views, durations, threads, fail_fast, cancel_after)


def model_sql(s: Scenario, i: int) -> str:
    n = max(1, int((s.durations[i] * BURN_RATE) ** 0.5))
    value = "cast(concat('x', work.burned) as integer)" if i in s.failing else "work.burned"
    lines = ["{{ config(materialized='view') }}"] if i in s.views else []
    lines += [
        f"select {value} as v, '{{{{ invocation_id }}}}' as invocation_id",
        "from (select cast(sum((a.i * b.j) % 7) * 0 as integer) as burned",
        f"      from range({n}) a(i), range({n}) b(j)) as work",
    ]
    lines += [f"cross join (select count(*) as c{p} from {{{{ ref('{name(p)}') }}}}) as p{p}" for p in s.parents[i]]
    return "\n".join(lines) + "\n"


def project_files(s: Scenario) -> dict[str, str]:
    files = {
        "dbt_project.yml": 'name: prop\nversion: "1.0.0"\nconfig-version: 2\nprofile: prop\n'
        "models:\n  prop:\n    +materialized: table\n",
    }
    for i in range(s.n):
        files[f"models/{name(i)}.sql"] = model_sql(s, i)
    return files


def ancestors(s: Scenario, i: int) -> set[int]:
    out: set[int] = set()
    todo = list(s.parents[i])
    while todo:
        p = todo.pop()
        if p not in out:
            out.add(p)
            todo.extend(s.parents[p])
    return out


def outcome_without_stop(s: Scenario) -> dict[int, str]:
    out: dict[int, str] = {}
    for i in range(s.n):  # parents have lower indices
        if any(out[p] != "success" for p in s.parents[i]):
            out[i] = "skipped"
        else:
            out[i] = "error" if i in s.failing else "success"
    return out


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_stop_invariants(s: Scenario) -> None:
    with tempfile.TemporaryDirectory(prefix="dagwright-prop-") as tmp:
        ws = project_workspace(Path(tmp), "prop", project_files(s), threads=s.threads)
        stdout, code = run(ws, s)
        check_invariants(ws, s, stdout, code)


def run(ws, s: Scenario) -> tuple[str, int | None]:
    if s.cancel_after is None:
        out = io.StringIO()
        flags = Flags(
            command="run",
            project_dir=str(ws.root),
            profiles_dir=str(ws.profiles_dir),
            threads=s.threads,
            fail_fast=s.fail_fast,
        )
        code = execute(flags, terminal=Terminal(out))
        return out.getvalue(), code
    handle = dagwright.api.start(
        "run",
        project_dir=str(ws.root),
        profiles_dir=str(ws.profiles_dir),
        threads=s.threads,
        fail_fast=s.fail_fast,
    )
    time.sleep(s.cancel_after)
    handle.cancel()
    handle.wait(timeout=60)
    return handle.output, None


def check_invariants(ws, s: Scenario, stdout: str, code: int | None) -> None:
    rr = ws.run_results()
    results = by_uid(rr)
    this_run = rr["metadata"]["invocation_id"]
    context = f"\n{s}\n--- terminal\n{stdout}"
    assert set(results) == {uid(i) for i in range(s.n)}, context
    status = {i: outcome(results[uid(i)]) for i in range(s.n)}
    message = {i: results[uid(i)]["message"] or "" for i in range(s.n)}
    assert set(status.values()) <= set(STATUSES), context

    stop = stop_record(rr) or None
    trigger = stop["trigger"] if stop else None
    at = stop_time(rr) if stop else None
    if stop:
        assert at is not None, f"metadata.stop without 'at': {stop}{context}"

    # the warehouse agrees with every outcome
    tables = ws.invocation_ids(("main", name(i)) for i in range(s.n))
    for i in range(s.n):
        ids = tables[("main", name(i))]
        if status[i] == "success":
            assert ids == {this_run}, f"{name(i)} success but table has {ids}{context}"
        else:
            assert ids is None, f"{name(i)} {status[i]} but its table exists ({ids}){context}"
    assert ws.temp_relations() == [], context

    for i in range(s.n):
        st_, msg = status[i], message[i]
        if st_ in ("success", "error", "cancelled"):
            bad = [p for p in s.parents[i] if status[p] != "success"]
            assert not bad, f"{name(i)} started ({st_}) though parents {bad} did not succeed{context}"
        if st_ == "success":
            assert i not in s.failing, f"{name(i)} was designed to fail but succeeded{context}"
        elif st_ == "error":
            assert i in s.failing and "Could not convert" in msg, f"{name(i)} error: {msg!r}{context}"
        elif st_ == "cancelled":
            assert stop and trigger in msg, f"{name(i)} cancelled ({msg!r}) with stop {stop}{context}"
        else:  # skipped
            upstream = re.fullmatch(r"skipped because upstream (\S+) failed", msg)
            if upstream:
                origin = upstream[1]
                anc = {uid(a): a for a in ancestors(s, i)}
                assert origin in anc and status[anc[origin]] == "error", f"{name(i)}: {msg!r}{context}"
            else:
                assert stop and msg.startswith(f"not started: {trigger}"), f"{name(i)}: {msg!r}{context}"
                assert timing(results[uid(i)], "execute") is None, f"{name(i)} not started but executed{context}"

    if not stop:
        assert status == outcome_without_stop(s), f"{status}{context}"
    else:
        kind = stop["kind"]
        assert kind in ("fail-fast", "cancel"), context
        if kind == "fail-fast":
            assert s.fail_fast, context
            failed = re.fullmatch(r"fail-fast after (\S+) failed", trigger or "")
            assert failed and outcome(results[failed[1]]) == "error", f"trigger {trigger!r}{context}"
        else:
            assert s.cancel_after is not None and trigger == "cancelled by cancel()", context
        for i in range(s.n):
            if status[i] in ("success", "error", "cancelled"):
                first = results[uid(i)]["timing"][0]
                started = dt.datetime.strptime(first["started_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                    tzinfo=dt.timezone.utc
                )
                assert started <= at + EPS, f"{name(i)} started {started} after the stop at {at}{context}"
            if status[i] == "cancelled":
                end = results[uid(i)]["timing"][-1]["completed_at"]
                ended = dt.datetime.strptime(end, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc)
                lag = (ended - at).total_seconds()
                assert lag < REACTION, f"{name(i)} cancelled {lag:.3f}s after the stop{context}"
    if s.fail_fast and "error" in status.values():
        assert stop, f"--fail-fast, an error, and no stop{context}"
    if not s.fail_fast and s.cancel_after is None:
        assert not stop, context

    assert_never_more_running_than(stdout, rr, s.threads)
    check_terminal(stdout, rr, {uid(i): ("main", name(i)) for i in range(s.n)})
    if code is not None:
        check_summary(stdout, rr)
        assert code == (0 if set(status.values()) == {"success"} else 1), f"exit {code}{context}"
