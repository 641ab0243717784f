"""Round trips and locks of a PostgreSQL rebuild: two submissions per model (``begin`` with
the build; the swap, its dependent views kept, with the COMMIT), five for an incremental
run, counted in the server's own log; and the dependent views locked one by one, so that
swaps whose views are disjoint do not wait for each other."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from dagwright.adapters.postgres_dependents import LOCK_CLASS

from .conftest import connect
from .conftest import proj_workspace as project

pytestmark = pytest.mark.postgres

MODELS = {
    "models/t.sql": "{{ config(materialized='table') }}\nselect {{ var('n', 1) }} as n\n",
    "models/v.sql": "{{ config(materialized='view') }}\nselect n * 10 as n10 from {{ ref('t') }}\n",
    "models/u.sql": "{{ config(materialized='table') }}\nselect n10 + 1 as m from {{ ref('v') }}\n",
    "models/inc.sql": "{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}\n"
    "select 1 as id, {{ var('n', 1) }} as n\n",
}


def submissions_per_model(log: Path, offset: int) -> Counter[str]:
    """How many queries the server logged for each model after byte ``offset`` (a script of
    several statements is one query: one round trip)."""
    text = log.read_bytes()[offset:].decode(errors="replace")
    counts: Counter[str] = Counter()
    for entry in re.split(r"LOG:  duration: ", text)[1:]:
        found = re.search(r'"node_id": "model\.proj\.(\w+)"', entry)
        # a parameterised query is logged as parse, bind and execute: one round trip
        if found and not re.match(r"[\d.]+ ms  (parse|bind) ", entry):
            counts[found.group(1)] += 1
    return counts


def logged_run(ws, pg_server, *args: str) -> Counter[str]:
    offset = pg_server.logfile.stat().st_size
    ws.ok("run", *args)
    time.sleep(0.3)  # the server writes its log asynchronously
    return submissions_per_model(pg_server.logfile, offset)


def test_a_model_is_two_round_trips_first_built_or_rebuilt(tmp_path: Path, pg_server, pg_db: str) -> None:
    pg_server.admin(f'alter database "{pg_db}" set log_min_duration_statement = 0')
    ws = project(tmp_path, pg_server, pg_db, MODELS)
    # the first build: every target absent, created under its own name
    assert logged_run(ws, pg_server) == {"t": 2, "v": 2, "u": 2, "inc": 2}
    # views outside the project, on a table and on a view, kept across the swaps
    ws.query("create view main.on_t as select n from main.t; create view main.on_v as select n10 from main.v")
    # an incremental run: begin with the staging, two reads of the columns (varchar widening,
    # the target's), the merge, the staging's drop with the COMMIT
    assert logged_run(ws, pg_server, "--vars", "{n: 2}") == {"t": 2, "v": 2, "u": 2, "inc": 5}
    assert ws.query("select id, n from main.inc") == [(1, 2)]
    assert ws.query("select n from main.on_t") == [(2,)]
    assert ws.query("select n10 from main.on_v") == [(20,)]
    assert ws.query("select m from main.u") == [(21,)]
    assert ws.temp_relations() == []


def test_swaps_whose_dependent_views_are_disjoint_do_not_wait(tmp_path: Path, pg_server, pg_db: str) -> None:
    hook = "{{ config(materialized='table', post_hook=\"select pg_sleep({{ var('sleep', 0) }})\") }}"
    files = {
        "models/a.sql": hook + "\nselect {{ var('n', 1) }} as n\n",
        "models/b.sql": "{{ config(materialized='table') }}\nselect {{ var('n', 1) }} as n\n",
    }
    ws = project(tmp_path, pg_server, pg_db, files)
    ws.ok("run")
    ws.query("create view main.on_a as select n from main.a; create view main.on_b as select n from main.b")
    holder = connect(pg_server, pg_db)
    try:
        # another session holds the lock of a's dependent view, as a concurrent swap of a would
        holder.execute("begin")
        holder.execute("select pg_advisory_xact_lock(%s, hashtext('main.on_a'))", [LOCK_CLASS])
        # b's swap takes on_b's lock only: it does not wait
        ws.ok("run", "-s", "b", "--vars", "{n: 2}")
        assert ws.query("select n from main.on_b") == [(2,)]
        # a's swap waits for on_a's lock, then publishes
        proc = ws.popen("run", "-s", "a", "--vars", "{n: 3}", stderr_path=tmp_path / "a.err")
        try:
            deadline = time.monotonic() + 60
            while not ws.query("select 1 from pg_locks where locktype = 'advisory' and not granted"):
                assert proc.poll() is None, (tmp_path / "a.err").read_text()
                assert time.monotonic() < deadline, "a's swap never waited for on_a's lock"
                time.sleep(0.05)
            assert ws.query("select n from main.a") == [(1,)]
            holder.execute("rollback")
            output, _ = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, output
    finally:
        holder.close()
    assert ws.query("select n from main.on_a") == [(3,)]

    # a's swap holds on_a's lock through its post-hook (3 s); b's, in the same run, does not
    # wait for it (one lock for every swap with dependent views made b wait for a's COMMIT)
    ws.ok("run", "--vars", "{n: 4, sleep: 3}")
    ended = {
        result["unique_id"].rsplit(".", 1)[1]: datetime.fromisoformat(result["timing"][-1]["completed_at"])
        for result in json.loads((ws.target / "run_results.json").read_text())["results"]
    }
    assert (ended["a"] - ended["b"]).total_seconds() > 2, ended
    assert ws.query("select a.n, b.n from main.on_a a, main.on_b b") == [(4, 4)]
