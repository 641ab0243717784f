"""Helpers of the BigQuery tests: a project and profile in a folder, dagwright run on it, the
emulator read back through google-cloud-bigquery."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DAGWRIGHT = str(Path(sys.executable).with_name("dagwright"))
_datasets = itertools.count(1)


def without_query_comment(sql: str) -> str:
    """A statement without the query comment dagwright puts before it (dbt's default one)."""
    text = sql.lstrip()
    if text.startswith("/*") and "*/" in text:
        text = text[text.index("*/") + 2 :].lstrip()
    return text


def new_dataset() -> str:
    return f"dw_{os.getpid()}_{next(_datasets)}_{uuid.uuid4().hex[:6]}"


def bq_client(emulator: Any) -> Any:
    from google.api_core.client_options import ClientOptions
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(
        project=emulator.project,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=emulator.endpoint),
    )


def profile_output(emulator: Any, dataset: str, **extra: Any) -> dict[str, Any]:
    """A dbt-bigquery target on the emulator: method oauth-secrets with a token (no Google)."""
    return {
        "type": "bigquery",
        "method": "oauth-secrets",
        "token": "fake-token-for-the-emulator",
        "project": emulator.project,
        "dataset": dataset,
        "location": "US",
        "api_endpoint": emulator.endpoint,
        "threads": 2,
        **extra,
    }


@dataclass
class BQProject:
    root: Path
    emulator: Any
    dataset: str

    def write(self, files: Mapping[str, str]) -> None:
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip())

    def profile(self, **extra: Any) -> None:
        output = profile_output(self.emulator, self.dataset, **extra)
        (self.root / "profiles.yml").write_text(yaml.safe_dump({"bq": {"target": "dev", "outputs": {"dev": output}}}))

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        cmd = [DAGWRIGHT, *args, "--project-dir", str(self.root), "--profiles-dir", str(self.root)]
        env = {k: v for k, v in os.environ.items() if k != "BIGQUERY_EMULATOR_HOST"}
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)

    def run_results(self) -> dict[str, Any]:
        return json.loads((self.root / "target" / "run_results.json").read_text())

    def results_by_name(self) -> dict[str, dict[str, Any]]:
        return {r["unique_id"].split(".")[-1]: r for r in self.run_results()["results"]}

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        job = bq_client(self.emulator).query(sql, location="US", job_retry=None)
        return [tuple(row.values()) for row in job.result()]

    def statements(self) -> list[str]:
        """The SQL of the query jobs dagwright ran on this project's dataset, oldest first (the
        emulator's job history)."""
        client = bq_client(self.emulator)
        jobs = client.list_jobs(max_results=1000)
        found = [
            without_query_comment(job.query)
            for job in jobs
            if job.job_id.startswith("dagwright_") and self.dataset in (getattr(job, "query", None) or "")
        ]
        return found[::-1]

    def table_names(self) -> set[str]:
        from google.api_core.exceptions import NotFound

        client = bq_client(self.emulator)
        try:
            return {t.table_id for t in client.list_tables(f"{self.emulator.project}.{self.dataset}")}
        except NotFound:  # no dataset: nothing was created
            return set()


def new_project(tmp_path: Path, emulator: Any, name: str = "bq_project", **profile: Any) -> BQProject:
    project = BQProject(tmp_path, emulator, new_dataset())
    project.write({"dbt_project.yml": f"name: {name}\nversion: '1.0'\nprofile: bq\n"})
    project.profile(**profile)
    return project


#: a query that runs for tens of seconds on any machine (1.8 billion rows, each one computed:
#: DuckDB under the emulator counts a bare cross join in a second or two, so `count(*)` is
#: not slow enough). The emulator reports it stopped within tens of milliseconds of a
#: cancel, but DuckDB may finish the work in the background: bounded, so a cancelled query
#: never burns the shared emulator's CPU for long
SLOW_SELECT = (
    "select sum(mod(a * b + c, 7)) as n from unnest(generate_array(1, 3000)) a, "
    "unnest(generate_array(1, 3000)) b, unnest(generate_array(1, 200)) c"
)
