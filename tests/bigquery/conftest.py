"""Fixtures for the BigQuery tests: one local BigQuery emulator per test session.

No machine here reaches Google: the tests run against local-bigquery, which lives in a
Python 3.13 venv of its own (``make bigquery-emulator`` builds ``.venv-bqemu``; the code
that installs, starts and stops it is ``.ci/bigquery_emulator.py``, imported here).

- ``bq_emulator`` (session): the server, started into a tmp state folder and stopped by pid
  at the end of the session; ``.endpoint`` (``http://127.0.0.1:PORT``) and ``.project``.
- ``bq_client``: a google-cloud-bigquery client on it (anonymous credentials).
- ``write_bq_profile``: a profiles.yml of ``type: bigquery`` that both dbt-bigquery (1.9+)
  and dagwright read: ``method: oauth-secrets`` with a fake token, ``api_endpoint``.
- ``bq_oracle`` (session): dbt-bigquery, the oracle (``make bigquery-oracle`` builds
  ``.venv-dbtbigquery``); ``run_dbt_bigquery`` runs it on a project.

Without the emulator venv, the client library or the oracle these tests are skipped with the
reason; with ``DAGWRIGHT_BIGQUERY_REQUIRED=1`` (``make test``) or ``CI=true`` that is an error.
The emulator runs at most 8 jobs at once (the 9th waits): keep thread counts at 8 or below.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
REQUIRED_ENV = "DAGWRIGHT_BIGQUERY_REQUIRED"
ORACLE_ENV = "DAGWRIGHT_DBT_BIGQUERY"
ORACLE_VENV = REPO / ".venv-dbtbigquery"
PROJECT = "dagwright-test"
#: the emulator accepts any token; the tests check it never shows in output or artifacts
FAKE_TOKEN = "fake-oauth-token-not-a-secret"
MAX_THREADS = 8


def _load_emulator_module() -> Any:
    """.ci/bigquery_emulator.py, the same code `make bigquery-emulator` runs."""
    name = "bigquery_emulator"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / ".ci" / "bigquery_emulator.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


emulator_tools = _load_emulator_module()
Emulator = emulator_tools.Emulator

_datasets = itertools.count(1)
#: the session's server, so helpers can default to it
_running: list[Any] = []


def _required() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get(REQUIRED_ENV, "") not in ("", "0")


def skip_or_fail(why: str) -> None:
    if _required():
        pytest.fail(f"{why} (required: CI=true or {REQUIRED_ENV}=1)", pytrace=False)
    pytest.skip(why)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.bigquery)


@pytest.fixture(scope="session")
def bq_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The session's local-bigquery server (an ``Emulator``: endpoint, project, pid, stop())."""
    if not emulator_tools.installed():
        skip_or_fail(
            f"no BigQuery emulator in {emulator_tools.VENV} (or it predates the current pins/patch): "
            "run `make bigquery-emulator`"
        )
    try:
        emulator = emulator_tools.start(tmp_path_factory.mktemp("bqemu"), PROJECT)
    except emulator_tools.EmulatorError as exc:  # installed but broken: never a skip
        pytest.fail(f"the BigQuery emulator did not start: {exc}", pytrace=False)
    _running.append(emulator)
    try:
        yield emulator
    finally:
        _running.remove(emulator)
        emulator.stop()


def new_dataset_name(prefix: str = "ds") -> str:
    """A dataset name unique in the session (BigQuery names: letters, digits, underscores)."""
    return f"{prefix}_{os.getpid()}_{next(_datasets)}"


def make_client(emulator: Any) -> Any:
    try:
        from google.api_core.client_options import ClientOptions
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery
    except ImportError:
        skip_or_fail("google-cloud-bigquery is not installed: pip install -e '.[bigquery]'")
    return bigquery.Client(
        project=emulator.project,
        credentials=AnonymousCredentials(),
        client_options=ClientOptions(api_endpoint=emulator.endpoint),
    )


@pytest.fixture
def bq_client(bq_emulator: Any) -> Iterator[Any]:
    client = make_client(bq_emulator)
    yield client
    client.close()


def profiles_text(profile_name: str, dataset: str, threads: int = 1, *, emulator: Any = None, **extra: Any) -> str:
    """A profiles.yml with one ``dev`` output of type bigquery on the emulator (JSON-quoted values)."""
    emulator = emulator or (_running[-1] if _running else None)
    if emulator is None:
        raise RuntimeError("no BigQuery emulator running: use the bq_emulator fixture or pass emulator=")
    if not 1 <= threads <= MAX_THREADS:
        raise ValueError(f"threads={threads}: the emulator runs at most {MAX_THREADS} jobs at once")
    fields: dict[str, Any] = {
        "type": "bigquery",
        "method": "oauth-secrets",
        "token": FAKE_TOKEN,
        "project": emulator.project,
        "dataset": dataset,
        "api_endpoint": emulator.endpoint,
        "threads": threads,
        **extra,
    }
    lines = [f"{profile_name}:", "  target: dev", "  outputs:", "    dev:"]
    lines += [f"      {key}: {json.dumps(value)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def write_bq_profile(
    directory: Path, profile_name: str, dataset: str, threads: int = 1, *, emulator: Any = None, **extra: Any
) -> Path:
    """Write ``directory/profiles.yml`` (see ``profiles_text``) and return ``directory``, the
    value for ``--profiles-dir``. ``emulator`` defaults to the session's ``bq_emulator``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    text = profiles_text(profile_name, dataset, threads, emulator=emulator, **extra)
    (directory / "profiles.yml").write_text(text, encoding="utf-8")
    return directory


def oracle_path() -> Path | None:
    for candidate in (os.environ.get(ORACLE_ENV, ""), str(ORACLE_VENV / "bin" / "dbt")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def bq_oracle() -> Path:
    """The dbt executable of a venv with dbt-core 1.11 + dbt-bigquery."""
    found = oracle_path()
    if found is None:
        skip_or_fail(
            f"no dbt-bigquery oracle: run `make bigquery-oracle` (builds {ORACLE_VENV.name}) "
            f"or set {ORACLE_ENV} to a dbt executable with dbt-bigquery"
        )
    assert found is not None
    return found


def _oracle_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "DAGWRIGHT_", "BIGQUERY_", "GOOGLE_"))}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DO_NOT_TRACK"] = "1"
    return env


def run_dbt_bigquery(
    dbt: Path, project_dir: Path, profiles_dir: Path, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``dbt <args>`` (the oracle) on a project, with its own profiles dir; never raises on a
    non-zero exit: the caller checks ``returncode`` and the output."""
    return subprocess.run(
        [str(dbt), "--no-use-colors", *args, "--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir)],
        cwd=project_dir,
        env=_oracle_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
