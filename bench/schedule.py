"""Scheduling quality: the makespan of a DAG with known durations against its lower bound.

The lower bound is max(critical path, total work / threads): no schedule does better. For
each DAG shape (deterministic for a seed) this prints, in seconds and as a ratio to it:

- dagwright's rule, simulated: ``report/simulate.py`` replays the scheduler's hand-out
  rule (the same ``ready_key``) on a clock, with priorities from ``graph/plan.py`` computed
  from the durations as a previous run's run_results.json gives them;
- dbt-core's rule, simulated: its GraphQueue hands out the ready node of lowest depth
  level (generation in a topological sort of its connected component), then by unique_id;
- with ``--real``: both tools run on a throwaway PostgreSQL server (tests/postgres/
  pgserver.py) a project whose models are ``select pg_sleep(d)``, edges written as
  ``-- depends_on: {{ ref(...) }}``; dagwright runs twice (the second run has the first's
  durations), dbt-core (dbt-postgres) once. Makespan: first start to last end in
  run_results.json.

    python bench/schedule.py [--threads 4] [--seeds 5] [--real] [--dbt PATH] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from dagwright.graph.plan import plan_from_parents  # noqa: E402
from dagwright.report.simulate import simulate  # noqa: E402


@dataclass(frozen=True)
class Dag:
    name: str
    parents: dict[str, tuple[str, ...]]
    durations: dict[str, float]

    def lower_bound(self, threads: int) -> float:
        return max(critical_path(self.parents, self.durations), sum(self.durations.values()) / threads)

    def strong_lower_bound(self, threads: int) -> float:
        """A tighter bound that is still valid for every schedule (the simple one cannot be
        reached when serial sections leave workers idle, as the root and the join of a fan do).

        ``start[v]`` bounds when v can start: after each parent ends, and, for each ancestor
        a, after a ends plus the work strictly between a and v spread over all workers. A
        schedule then needs v's start, v, and after it the longer of v's longest tail and
        the work of all its descendants spread over all workers.
        """
        d, parents = self.durations, self.parents
        level = depth_levels(parents)
        order = sorted(parents, key=level.__getitem__)
        ancestors: dict[str, set[str]] = {}
        for uid in order:
            ancestors[uid] = set().union(*({p} | ancestors[p] for p in parents[uid])) if parents[uid] else set()
        descendants: dict[str, set[str]] = {u: set() for u in parents}
        children: dict[str, list[str]] = {u: [c for c in parents if u in parents[c]] for u in parents}
        for uid, ancs in ancestors.items():
            for a in ancs:
                descendants[a].add(uid)
        start: dict[str, float] = {}
        for uid in order:
            bound = max((start[p] + d[p] for p in parents[uid]), default=0.0)
            for a in ancestors[uid]:
                between = sum(d[x] for x in descendants[a] & ancestors[uid])
                bound = max(bound, start[a] + d[a] + between / threads)
            start[uid] = bound
        tail: dict[str, float] = {}
        for uid in reversed(order):
            tail[uid] = max((d[c] + tail[c] for c in children[uid]), default=0.0)
        best = sum(d.values()) / threads
        for uid in parents:
            after = max(tail[uid], sum(d[x] for x in descendants[uid]) / threads)
            best = max(best, start[uid] + d[uid] + after)
        return best


def critical_path(parents: Mapping[str, tuple[str, ...]], durations: Mapping[str, float]) -> float:
    finish: dict[str, float] = {}

    def end(uid: str) -> float:
        if uid not in finish:
            finish[uid] = durations[uid] + max((end(p) for p in parents[uid]), default=0.0)
        return finish[uid]

    return max(end(uid) for uid in parents)


# -- DAG shapes ------------------------------------------------------------------------------
def _name(i: int) -> str:
    return f"m_{i:03d}"


def layered(rng: random.Random, n: int = 40) -> Dag:
    """Like bench/gen_project.py: layers, 1-3 parents among the three previous layers."""
    layers = max(3, round(n**0.5))
    parents: dict[str, tuple[str, ...]] = {}
    by_layer: list[list[str]] = []
    for i in range(n):
        layer = i * layers // n
        while len(by_layer) <= layer:
            by_layer.append([])
        pool = [u for prior in by_layer[max(0, layer - 3) : layer] for u in prior]
        parents[_name(i)] = tuple(rng.sample(pool, k=min(len(pool), rng.randint(1, 3)))) if pool else ()
        by_layer[layer].append(_name(i))
    return Dag("layered", parents, {u: round(rng.lognormvariate(-0.7, 0.8), 2) for u in parents})


def hidden_chain(rng: random.Random, n: int = 40) -> Dag:
    """A chain of short nodes ending in a long one, beside many independent medium nodes:
    the critical path hides behind nodes that look cheap; a level-first rule starts the
    crowd first and finds the long tail late."""
    chain = 6
    parents = {_name(i): ((_name(i - 1),) if 0 < i < chain else ()) for i in range(n)}
    durations = {_name(i): 0.1 for i in range(chain - 1)}
    durations[_name(chain - 1)] = 3.0
    for i in range(chain, n):
        durations[_name(i)] = round(rng.uniform(0.3, 0.8), 2)
    return Dag("hidden chain", parents, durations)


def fan(rng: random.Random, n: int = 40) -> Dag:
    """One root, a fan of mixed durations, one node joining them all."""
    parents: dict[str, tuple[str, ...]] = {_name(0): ()}
    for i in range(1, n - 1):
        parents[_name(i)] = (_name(0),)
    parents[_name(n - 1)] = tuple(_name(i) for i in range(1, n - 1))
    durations = {u: round(rng.choice([0.1, 0.2, 0.5, 1.0, 2.0]), 2) for u in parents}
    return Dag("fan", parents, durations)


def chains(rng: random.Random, n: int = 40) -> Dag:
    """Independent chains of different lengths and speeds (several critical-path candidates)."""
    parents: dict[str, tuple[str, ...]] = {}
    durations: dict[str, float] = {}
    i = 0
    while i < n:
        length = min(n - i, rng.randint(1, 8))
        speed = rng.choice([0.1, 0.3, 0.6])
        for k in range(length):
            parents[_name(i)] = (_name(i - 1),) if k else ()
            durations[_name(i)] = round(speed * rng.uniform(0.5, 1.5), 2)
            i += 1
    return Dag("chains", parents, durations)


def random_dag(rng: random.Random, n: int = 40) -> Dag:
    """Edges i -> j (i < j) with probability 0.08; durations exponential."""
    parents = {_name(j): tuple(_name(i) for i in range(j) if rng.random() < 0.08) for j in range(n)}
    return Dag("random", parents, {u: round(max(0.05, rng.expovariate(1 / 0.6)), 2) for u in parents})


SHAPES: list[Callable[[random.Random], Dag]] = [layered, hidden_chain, fan, chains, random_dag]


# -- the two hand-out rules, simulated -------------------------------------------------------
def dagwright_makespan(dag: Dag, threads: int) -> float:
    plan = plan_from_parents(dag.parents, dag.durations)
    return simulate(plan, threads, durations=dag.durations).elapsed


def depth_levels(parents: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """dbt-core's score: the generation of a node in a topological sort (longest path in
    edges from a root). dbt sorts each connected component apart, which gives the same
    generations."""
    level: dict[str, int] = {}

    def depth(uid: str) -> int:
        if uid not in level:
            level[uid] = 1 + max((depth(p) for p in parents[uid]), default=-1)
        return level[uid]

    for uid in parents:
        depth(uid)
    return level


def list_schedule(dag: Dag, threads: int, key: Callable[[str], object]) -> float:
    """Makespan of greedy list scheduling: a free worker takes the ready node with the smallest key."""
    children: dict[str, list[str]] = {u: [] for u in dag.parents}
    for uid, ps in dag.parents.items():
        for p in ps:
            children[p].append(uid)
    waiting = {u: len(ps) for u, ps in dag.parents.items()}
    ready = [(key(u), u) for u, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    running: list[tuple[float, str]] = []
    now = 0.0
    while ready or running:
        while ready and len(running) < threads:
            _, uid = heapq.heappop(ready)
            heapq.heappush(running, (now + dag.durations[uid], uid))
        now, done = heapq.heappop(running)
        for child in children[done]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (key(child), child))
    return now


def dbt_makespan(dag: Dag, threads: int) -> float:
    level = depth_levels(dag.parents)
    return list_schedule(dag, threads, lambda uid: (level[uid], uid))


# -- real runs on PostgreSQL -----------------------------------------------------------------
def write_project(dag: Dag, folder: Path, profile: str) -> None:
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(
        "name: sched\nprofile: sched\nconfig-version: 2\nmodels:\n  sched:\n    +materialized: table\n"
    )
    (folder / "profiles.yml").write_text(profile)
    for uid, ps in dag.parents.items():
        lines = [f"-- depends_on: {{{{ ref('{p}') }}}}" for p in ps]
        lines.append(f"select pg_sleep({dag.durations[uid]}) is null as slept")
        (folder / "models" / f"{uid}.sql").write_text("\n".join(lines) + "\n")


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def real_makespan(tool: list[str], folder: Path, threads: int) -> float:
    cmd = [*tool, "run", "--project-dir", str(folder), "--profiles-dir", str(folder), "--threads", str(threads)]
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    results = json.loads((folder / "target" / "run_results.json").read_text())["results"]
    starts = [_ts(t["started_at"]) for r in results for t in r["timing"]]
    ends = [_ts(t["completed_at"]) for r in results for t in r["timing"]]
    return max(ends) - min(starts)


class Postgres:
    def __init__(self) -> None:
        sys.path.insert(0, str(ROOT / "tests" / "postgres"))
        from pgserver import PostgresServer, find_bindir

        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("--real needs PostgreSQL server binaries (initdb, pg_ctl)")
        self.server = PostgresServer(bindir, Path(tempfile.mkdtemp(prefix="dagwright-sched-pg-"))).start()
        self.server.create_role("sched", "sched-password")
        self.count = 0

    def profile(self, threads: int) -> str:
        self.count += 1
        dbname = f"sched_{self.count}"
        self.server.create_database(dbname, "sched")
        return (
            "sched:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
            f"      host: {self.server.host}\n      port: {self.server.port}\n      user: sched\n"
            f"      password: sched-password\n      dbname: {dbname}\n      schema: main\n      threads: {threads}\n"
        )

    def close(self) -> None:
        self.server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=5, help="DAGs per shape (simulation)")
    parser.add_argument("--real", action="store_true", help="also run both tools on PostgreSQL (seed 1 of each shape)")
    parser.add_argument("--dbt", default=shutil.which("dbt", path=str(Path(sys.executable).parent)))
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every duration")
    args = parser.parse_args()
    t = args.threads

    print(f"simulated, threads={t}, {args.seeds} DAGs per shape of 40 nodes, durations x {args.scale}:")
    print("makespan / bound, median (max)")
    print("bound: max(critical path, work / threads); strong: the tighter bound of Dag.strong_lower_bound")
    print(f"{'shape':<14}{'dagwright/bound':>18}{'dbt-core/bound':>18}{'dagwright/strong':>18}{'dbt-core/strong':>18}")
    for shape in SHAPES:
        cols: list[list[float]] = [[], [], [], []]
        for seed in range(1, args.seeds + 1):
            base = shape(random.Random(seed))
            dag = Dag(base.name, base.parents, {u: d * args.scale for u, d in base.durations.items()})
            ours, theirs = dagwright_makespan(dag, t), dbt_makespan(dag, t)
            bound, strong = dag.lower_bound(t), dag.strong_lower_bound(t)
            for col, value in zip(cols, (ours / bound, theirs / bound, ours / strong, theirs / strong)):
                col.append(value)
        cells = "".join(f"{statistics.median(c):>10.3f} ({max(c):.3f})" for c in cols)
        print(f"{dag.name:<14}{cells}")

    if not args.real:
        return
    dagwright = shutil.which("dagwright", path=str(Path(sys.executable).parent)) or "dagwright"
    pg = Postgres()
    print(f"\nreal runs on PostgreSQL (pg_sleep), threads={t}, seed 1 of each shape, scale {args.scale}; seconds")
    print("bound, strong: as above; sim: dagwright's rule simulated; ratios to the strong bound")
    print(
        f"{'shape':<14}{'bound':>7}{'strong':>8}{'sim':>7}{'dagwright 1st':>15}{'dagwright 2nd':>15}"
        f"{'ratio':>7}{'dbt-core':>10}{'ratio':>7}"
    )
    try:
        for shape in SHAPES:
            base = shape(random.Random(1))
            dag = Dag(base.name, base.parents, {u: round(d * args.scale, 3) for u, d in base.durations.items()})
            bound, strong = dag.lower_bound(t), dag.strong_lower_bound(t)
            sim = dagwright_makespan(dag, t)
            with tempfile.TemporaryDirectory() as tmp:
                ours = Path(tmp) / "dagwright"
                write_project(dag, ours, pg.profile(t))
                first = real_makespan([dagwright], ours, t)
                second = real_makespan([dagwright], ours, t)
                row = (
                    f"{dag.name:<14}{bound:>7.2f}{strong:>8.2f}{sim:>7.2f}{first:>15.2f}{second:>15.2f}"
                    f"{second / strong:>7.3f}"
                )
                if args.dbt:
                    theirs = Path(tmp) / "dbt"
                    write_project(dag, theirs, pg.profile(t))
                    made = real_makespan([args.dbt], theirs, t)
                    row += f"{made:>10.2f}{made / strong:>7.3f}"
                print(row, flush=True)
    finally:
        pg.close()


if __name__ == "__main__":
    main()
