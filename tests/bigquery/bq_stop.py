"""The article on the BigQuery emulator as a ``stop_helpers.StopWorkspace``.

Each workspace is a project dir (examples/article with ``projects/article_overlay`` laid over
it: burn() is a small cross join the emulator cancels in tens of milliseconds, fail_point() a
failing cast to INT64) and a profile whose BigQuery **project** is the workspace's own, so the
datasets keep the names the shared checks expect (``main``, ``main_staging``) and tests do not
see each other's tables or jobs. The warehouse is read through google-cloud-bigquery; "what the
engine runs" is the emulator's jobs of that project that are not DONE.

Templates (``seeded``: the seeds; ``built``: then a smooth run with the issue's durations) are
built once per session in projects of their own and copied into each workspace: tables with
copy jobs, views re-created with their query pointed at the workspace's project.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from stop_helpers import ARTICLE, SMOOTH_VARS, Workspace

from .bq_helpers import bq_client

HERE = Path(__file__).resolve().parent
ARTICLE_OVERLAY = HERE / "projects" / "article_overlay"
DATASETS = ("main", "main_staging")
#: beta_a's run-time failure on the emulator (the overlay's cast of 'x<n>' to INT64)
BQ_CAST_ERROR = ("error", "~Could not convert string")

#: after both burn() jobs are RUNNING: time for the emulator to start their queries
SETTLE = 0.5

_projects = itertools.count(1)
_lock = threading.Lock()


def new_project_id(prefix: str = "ws") -> str:
    """A BigQuery project id of its own (the emulator keeps projects apart)."""
    with _lock:
        return f"{prefix}-{os.getpid()}-{next(_projects)}"


def copy_article_bq(dest: Path) -> None:
    """examples/article with the BigQuery overlay laid over it."""
    shutil.copytree(ARTICLE, dest, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", "*.wal"))
    for path in ARTICLE_OVERLAY.rglob("*"):
        if path.is_file() and path.name != "README.md":
            target = dest / path.relative_to(ARTICLE_OVERLAY)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def article_profile(emulator: Any, project: str, threads: int = 2) -> str:
    output = {
        "type": "bigquery",
        "method": "oauth-secrets",
        "token": "fake-token-for-the-emulator",
        "project": project,
        "dataset": "main",
        "location": "US",
        "api_endpoint": emulator.endpoint,
        "threads": threads,
    }
    lines = ["article:", "  target: dev", "  outputs:", "    dev:"]
    lines += [f"      {key}: {json.dumps(value)}" for key, value in output.items()]
    return "\n".join(lines) + "\n"


class BQStopWorkspace(Workspace):
    """The article on the emulator, in the BigQuery project ``project``."""

    beta_a_error: ClassVar[tuple[str, str]] = BQ_CAST_ERROR
    # the emulator ends a cancelled job in 20-60 ms (max 265 ms measured); the bounds leave
    # room for a loaded 2-core machine and stay far below beta_b's seconds of work left
    cancel_lag: ClassVar[float] = 1.0
    cancel_seconds: ClassVar[float] = 1.0
    #: signal -> exit (the shared body's default is 2 s). The emulator loses a cancel that
    #: reaches a job before its DuckDB query has started (dagwright re-sends it every 0.2 s),
    #: and its jobs.cancel blocks up to 1 s: on a loaded 2-core machine the betas' jobs were
    #: seen DONE 2.4 s after the signal
    exit_after_signal: ClassVar[float] = 5.0

    def __init__(self, root: Path, profiles_dir: Path, emulator: Any, project: str) -> None:
        super().__init__(root, profiles_dir, root.parent / "unused.duckdb")
        self.env.pop("BIGQUERY_EMULATOR_HOST", None)
        self.emulator = emulator
        self.project = project
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = bq_client(self.emulator)
        return self._client

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        job = self.client.query(sql, project=self.project, location="US", job_retry=None)
        return [tuple(row.values()) for row in job.result()]

    def relations(self) -> dict[tuple[str, str], str]:
        """(dataset, name) -> 'TABLE' / 'VIEW' in the workspace's datasets."""
        from google.api_core.exceptions import NotFound

        out: dict[tuple[str, str], str] = {}
        for dataset in DATASETS:
            try:
                tables = list(self.client.list_tables(f"{self.project}.{dataset}"))
            except NotFound:
                continue
            out.update({(dataset, t.table_id): t.table_type for t in tables})
        return out

    def invocation_ids(self, relations: Iterable[tuple[str, str]]) -> dict[tuple[str, str], frozenset[str] | None]:
        existing = self.relations()
        out: dict[tuple[str, str], frozenset[str] | None] = {}
        for schema, name in relations:
            if (schema, name) not in existing:
                out[(schema, name)] = None
                continue
            rows = self.rows(f"select distinct invocation_id from `{self.project}`.`{schema}`.`{name}`")
            out[(schema, name)] = frozenset(str(r[0]) for r in rows)
        return out

    def temp_relations(self) -> list[tuple[str, str]]:
        return sorted(k for k in self.relations() if "__dbt_tmp" in k[1] or "__dbt_backup" in k[1])

    def jobs_not_done(self, burning: bool = False) -> list[Any]:
        """The project's jobs the emulator has not finished (``burning``: only burn() queries)."""
        jobs = [j for j in self.client.list_jobs(project=self.project, max_results=1000) if j.state != "DONE"]
        if burning:
            jobs = [j for j in jobs if "generate_array" in (getattr(j, "query", None) or "")]
        return jobs

    def wait_statements_running(self, count: int, timeout: float) -> bool:
        """``count`` burn() jobs RUNNING, then a moment for the emulator to start their queries
        (it marks a job RUNNING before it translates and starts the query)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len([j for j in self.jobs_not_done(burning=True) if j.state == "RUNNING"]) >= count:
                time.sleep(SETTLE)
                return True
            time.sleep(0.05)
        return False

    def running_statements(self) -> list[str]:
        return [f"job {j.job_id} ({j.state}): {getattr(j, 'query', '')[:80]}" for j in self.jobs_not_done()]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def article_bq_workspace(tmp: Path, emulator: Any, project: str | None = None, threads: int = 2) -> BQStopWorkspace:
    base = tmp / "article"
    root = base / "project"
    copy_article_bq(root)
    profiles = base / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    project = project or new_project_id()
    (profiles / "profiles.yml").write_text(article_profile(emulator, project, threads), encoding="utf-8")
    return BQStopWorkspace(root, profiles, emulator, project)


@dataclass(frozen=True)
class BQTemplate:
    """An article warehouse in a project of its own, its target/ folder, and the invocation
    that built its models (None: only the seeds)."""

    project: str
    target: Path
    invocation_id: str | None
    run_results: dict[str, Any]


def build_templates(emulator: Any, base: Path) -> dict[str, BQTemplate]:
    out: dict[str, BQTemplate] = {}
    for kind in ("seeded", "built"):
        ws = article_bq_workspace(base / kind, emulator, new_project_id(f"tmpl-{kind}"))
        ws.ok("seed")
        invocation = None
        if kind == "built":
            ws.ok("run", "--threads", "1", "--vars", SMOOTH_VARS)
            rr = ws.run_results()
            assert {r["status"] for r in rr["results"]} == {"success"}, rr
            took = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in rr["results"]}
            # the scheduling order the checks expect comes from this history
            assert took["model_beta_b"] > took["model_beta_a"] > took["model_gamma_a"], took
            invocation = rr["metadata"]["invocation_id"]
        out[kind] = BQTemplate(ws.project, ws.target, invocation, ws.run_results())
        ws.close()
    return out


def copy_warehouse(client: Any, source: str, dest: str) -> None:
    """Every table (copy jobs) and view (its query re-pointed) of ``source``'s datasets into
    the same datasets of project ``dest``."""
    from google.api_core.exceptions import NotFound
    from google.cloud import bigquery

    for dataset in DATASETS:
        try:
            items = list(client.list_tables(f"{source}.{dataset}"))
        except NotFound:
            continue
        client.create_dataset(bigquery.Dataset(f"{dest}.{dataset}"), exists_ok=True)
        views = []
        for item in items:
            if item.table_type == "VIEW":
                views.append(item)
            else:
                name = f"{dataset}.{item.table_id}"
                client.copy_table(f"{source}.{name}", f"{dest}.{name}", project=dest, location="US").result()
        for item in views:
            view = client.get_table(f"{source}.{dataset}.{item.table_id}")
            sql = view.view_query.replace(f"`{source}`", f"`{dest}`").replace(f"{source}.", f"{dest}.")
            copy = bigquery.Table(f"{dest}.{dataset}.{item.table_id}")
            copy.view_query = sql
            client.create_table(copy)


def article_bq_from(tmp: Path, emulator: Any, template: BQTemplate) -> BQStopWorkspace:
    """A workspace on a fresh copy of the template's warehouse, with its target/."""
    ws = article_bq_workspace(tmp, emulator)
    copy_warehouse(ws.client, template.project, ws.project)
    shutil.copytree(template.target, ws.target, dirs_exist_ok=True)
    return ws
