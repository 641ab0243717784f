"""`type: bigquery` profiles, as dbt-bigquery reads them: bad input is a clear exit 2, and key
files, JSON keys, tokens and client secrets never show (no emulator needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dagwright.adapters import ENGINE_DRIVERS, create_adapter
from dagwright.cli import main
from dagwright.project.profile import load_target

PROJECT = 'name: p\nversion: "1.0.0"\nconfig-version: 2\nprofile: p\n'
TOKEN = "ya29.S3cretT0ken-xyz"
CLIENT_SECRET = "GOCSPX-cl1entSecret"
KEY_PATH = "/keys/very-secret-key-file.json"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----abc123-----END PRIVATE KEY-----"


def _project(tmp_path: Path, outputs: dict[str, object]) -> Path:
    root = tmp_path / "p"
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "dbt_project.yml").write_text(PROJECT)
    (root / "models" / "m.sql").write_text("select 1 as x")
    lines = ["p:", "  target: dev", "  outputs:", "    dev:"]
    lines += [f"      {k}: {json.dumps(v)}" for k, v in outputs.items()]
    (root / "profiles.yml").write_text("\n".join(lines) + "\n")
    return root


def _invoke(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--project-dir", str(root), "--profiles-dir", str(root)])
    return result.exit_code, result.output


BASE = {"type": "bigquery", "project": "my-proj", "dataset": "analytics"}


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        ({"type": "bigquery", "project": "p", "method": "oauth"}, "has no `dataset`"),
        ({"type": "bigquery", "dataset": "d", "method": "oauth"}, "has no `project`"),
        (BASE, "has no `method`"),
        ({**BASE, "method": "password"}, "bigquery `method` 'password' is not one dbt-bigquery has"),
        ({**BASE, "method": "service-account"}, "needs `keyfile`"),
        ({**BASE, "method": "service-account-json"}, "needs `keyfile_json`"),
        ({**BASE, "method": "oauth-secrets", "client_secret": CLIENT_SECRET}, "needs `token` or `refresh_token`"),
        ({**BASE, "method": "oauth", "priority": "urgent"}, "`priority` must be one of interactive, batch"),
        ({**BASE, "method": "oauth", "maximum_bytes_billed": "lots"}, "`maximum_bytes_billed` must be a whole number"),
        ({**BASE, "method": "oauth", "job_retries": -1}, "`job_retries` must be a whole number of at least 0"),
        ({**BASE, "method": "service-account-json", "keyfile_json": "x"}, "`keyfile_json` must be a mapping"),
        (
            {**BASE, "method": "external-oauth-wif", "workload_pool_provider_path": "//iam/x"},
            "bigquery `method` external-oauth-wif (workload identity federation) is not implemented in dagwright",
        ),
    ],
)
def test_bad_bigquery_profiles_exit_2(tmp_path: Path, outputs: dict[str, object], expected: str) -> None:
    code, output = _invoke(_project(tmp_path, outputs), "run")
    assert code == 2, output
    assert expected in output
    assert "profiles.yml" in output
    assert "Traceback" not in output
    assert CLIENT_SECRET not in output


def test_project_and_dataset_are_database_and_schema(tmp_path: Path) -> None:
    root = _project(tmp_path, {**BASE, "method": "oauth", "location": "EU", "threads": 4})
    target = load_target("p", None, profiles_dir=root, project_dir=root)
    assert (target.type, target.database, target.schema, target.threads) == ("bigquery", "my-proj", "analytics", 4)
    root = _project(tmp_path, {**BASE, "database": "other", "schema": "s", "method": "oauth"})
    target = load_target("p", None, profiles_dir=root, project_dir=root)
    assert (target.database, target.schema) == ("other", "s")


def test_engine_driver_registered() -> None:
    assert ENGINE_DRIVERS["bigquery"] == ("google-cloud-bigquery", "bigquery")


SECRET_OUTPUTS = {
    **BASE,
    "method": "oauth-secrets",
    "token": TOKEN,
    "refresh_token": "1//refresh-T0ken-abc",
    "client_id": "cid",
    "client_secret": CLIENT_SECRET,
    "token_uri": "https://oauth2.example/token",
    "keyfile": KEY_PATH,
    "keyfile_json": {"type": "service_account", "private_key": PRIVATE_KEY, "client_email": "a@b"},
}
SECRETS = (TOKEN, "1//refresh-T0ken-abc", CLIENT_SECRET, KEY_PATH, PRIVATE_KEY)


def test_secrets_masked_in_target_and_describe(tmp_path: Path) -> None:
    root = _project(tmp_path, SECRET_OUTPUTS)
    target = load_target("p", None, profiles_dir=root, project_dir=root)
    shown = repr(target) + json.dumps(target.safe_dict())
    pytest.importorskip("google.cloud.bigquery")
    shown += json.dumps(create_adapter(target).describe(), default=str)
    for secret in SECRETS:
        assert secret not in shown
    assert target.credentials["token"] == TOKEN  # the adapter still gets it


def test_secrets_masked_in_errors_and_artifacts(tmp_path: Path) -> None:
    """A service-account key file that cannot be read: the error names the method, never the
    path; `debug`, the terminal and target/ hold none of the secrets."""
    pytest.importorskip("google.cloud.bigquery")
    outputs = {**SECRET_OUTPUTS, "method": "service-account", "api_endpoint": "http://127.0.0.1:9"}
    root = _project(tmp_path, outputs)
    code, output = _invoke(root, "run")
    assert code == 2, output
    assert "cannot load the credentials of method service-account" in output
    _, debug_output = _invoke(root, "debug")
    for secret in SECRETS:
        assert secret not in output
        assert secret not in debug_output
        for path in [*(root / "target").rglob("*"), *(root / "logs").rglob("*")]:
            if path.is_file():
                assert secret not in path.read_text(errors="replace"), path


# -- keys dagwright does not use: named once, in the command's warning line -----------------------

UNUSED = {
    **BASE,
    "method": "oauth-secrets",
    "token": TOKEN,
    "job_link_info_level_log": True,
    "compute_region": "us-central1",
    "gcs_bucket": "my-bucket",
    "dataproc_batch": {"runtime_config": {"properties": {"x": "y"}}},
    "keyfile": KEY_PATH,
    "locaton": "EU",
}
IGNORED = (
    "ignored: profile key job_link_info_level_log (job links are in run_results.json and the timeline), "
    "profile keys compute_region, gcs_bucket, dataproc_batch (Python models only), "
    "profile key keyfile (not read by method oauth-secrets; dbt-bigquery ignores them too), "
    "unknown profile key locaton (dbt-bigquery ignores it too; did you mean 'location'?) "
    "— not implemented in dagwright"
)


@pytest.mark.parametrize("command", ["parse", "ls", "compile"])
def test_unused_profile_keys_are_named_once(tmp_path: Path, command: str) -> None:
    """dbt-bigquery's keys that dagwright does not use, another method's credentials and keys
    dbt-bigquery does not know (it ignores them silently) are each named in one warning line,
    without their values; nothing fails for them."""
    code, output = _invoke(_project(tmp_path, UNUSED), command)
    assert code == 0, output
    assert output.count("ignored: ") == 1, output
    assert IGNORED in output, output
    for secret in (TOKEN, KEY_PATH, "us-central1", "my-bucket"):
        assert secret not in output


def test_debug_names_unused_profile_keys(tmp_path: Path) -> None:
    pytest.importorskip("google.cloud.bigquery")
    # a key file that cannot be read: the connection test fails at once, without a network
    outputs = {**UNUSED, "method": "service-account", "api_endpoint": "http://127.0.0.1:9"}
    _, output = _invoke(_project(tmp_path, outputs), "debug")
    assert output.count("ignored: ") == 1, output
    assert "profile key token (not read by method service-account; dbt-bigquery ignores them too)" in output
    assert "unknown profile key locaton" in output
    assert TOKEN not in output and KEY_PATH not in output


def test_used_or_default_profile_keys_are_not_reported(tmp_path: Path) -> None:
    used = {
        **BASE,
        "method": "oauth",
        "location": "EU",
        "execution_project": "billing",
        "quota_project": "quota",
        "priority": "batch",
        "maximum_bytes_billed": 10**9,
        "reservation": "projects/p/locations/EU/reservations/r",
        "impersonate_service_account": "sa@p.iam.gserviceaccount.com",
        "job_execution_timeout_seconds": 300,
        "job_creation_timeout_seconds": 60,
        "job_retries": 2,
        "job_retry_deadline_seconds": 600,
        "timeout_seconds": 300,
        "retries": 1,
        "scopes": ["https://www.googleapis.com/auth/bigquery"],
        "job_link_info_level_log": False,  # dbt-bigquery's default: nothing is lost
        "threads": 4,
    }
    code, output = _invoke(_project(tmp_path, used), "parse")
    assert code == 0, output
    assert "ignored" not in output, output
