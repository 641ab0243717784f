"""init: a new dbt project, and a profile to run it with.

``dagwright init NAME`` creates ``NAME/`` with dbt_project.yml, the standard folders and two
example models with tests, then adds a profile ``NAME`` to profiles.yml (``--profiles-dir``,
``$DBT_PROFILES_DIR``, or ``~/.dbt``, as dbt). The profile's engine and settings come from
``--adapter`` and ``--set KEY=VALUE`` (repeatable), so scripts and CI never meet a prompt; on a
terminal, what is missing is asked for. ``--skip-profile-setup`` writes no profile. Inside an
existing project, ``dagwright init`` (no name) only sets up that project's profile.

Nothing is overwritten: an existing folder or profile of the same name stops the command
(exit 2) before anything is written. A secret given with ``--set`` (a password, a token) is
written to profiles.yml as given; the hint suggests ``env_var()`` instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from dagwright.errors import DagwrightError, ProfileError, ProjectError
from dagwright.project.profiles_yml import PROFILES_FILE
from dagwright.report.command_log import say

Echo = Callable[[str], None]
#: a question on a terminal: (what, default, secret) -> the answer
Ask = Callable[[str, Any, bool], Any]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: per engine: the keys a profile needs (asked for when missing), with defaults (None: none)
PROFILE_KEYS: dict[str, dict[str, Any]] = {
    "duckdb": {"path": "{name}.duckdb", "threads": 4},
    "postgres": {
        "host": "localhost",
        "port": 5432,
        "user": None,
        "password": None,
        "dbname": None,
        "schema": "public",
        "threads": 4,
    },
    "spark": {"method": "session", "schema": "{name}", "threads": 1},
    "bigquery": {"method": "oauth", "project": None, "dataset": "{name}", "location": "US", "threads": 4},
}
_SECRETS = ("password", "token", "keyfile_json", "client_secret", "refresh_token")

_PROJECT_YML = """\
# The project: its name, which profile (profiles.yml) it runs with, and where things are.
name: '{name}'
version: '1.0.0'
profile: '{name}'

model-paths: ["models"]
analysis-paths: ["analyses"]
test-paths: ["tests"]
seed-paths: ["seeds"]
macro-paths: ["macros"]
snapshot-paths: ["snapshots"]

clean-targets:
  - "target"
  - "dbt_packages"

models:
  {name}:
    # every model under models/starter/ is a view unless it says otherwise
    starter:
      +materialized: view
"""

_FILES = {
    "models/starter/numbers.sql": """\
-- A table of a few numbers: replace it with a model of your own data.
{{ config(materialized='table') }}

select 1 as id, 'one' as label
union all select 2, 'two'
union all select 3, null
""",
    "models/starter/labelled_numbers.sql": """\
-- A view on the model above: ref() makes the dependency, and the order of the build.
select id, label
from {{ ref('numbers') }}
where label is not null
""",
    "models/starter/schema.yml": """\
version: 2

models:
  - name: numbers
    description: "A starter table of numbers"
    columns:
      - name: id
        description: "The number"
        data_tests:
          - unique
          - not_null
  - name: labelled_numbers
    description: "The numbers that have a label"
    columns:
      - name: label
        data_tests:
          - not_null
""",
    "README.md": """\
# {name}

A dbt project, created by `dagwright init`. Build it with

    dagwright build

(`dbt build` runs it too). Models live in `models/`, seeds in `seeds/`, macros in `macros/`.
""",
    ".gitignore": "target/\ndbt_packages/\nlogs/\n",
    "analyses/.gitkeep": "",
    "macros/.gitkeep": "",
    "seeds/.gitkeep": "",
    "snapshots/.gitkeep": "",
    "tests/.gitkeep": "",
}


def parse_settings(pairs: Sequence[str]) -> dict[str, Any]:
    """``--set key=value`` pairs; values read as YAML scalars (``4`` is a number)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise DagwrightError(f"--set {pair!r} is not KEY=VALUE", hint="e.g. --set host=localhost --set port=5432")
        try:
            parsed = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:  # e.g. "{{ env_var('X') }}": kept as written
            parsed = value
        out[key.strip()] = parsed if isinstance(parsed, str | int | float | bool) else value
    return out


#: the data of dbt's ``ProjectCreated`` event (where to read about profiles, and ask)
PROFILE_DOCS = "https://docs.getdbt.com/docs/configure-your-profile"
COMMUNITY = "https://community.getdbt.com/"


def init(
    name: str | None,
    *,
    adapter: str | None,
    settings: Mapping[str, Any],
    skip_profile: bool,
    profiles_dir: str | None,
    target: str,
    echo: Echo,
    ask: Ask | None,
) -> int:
    """Create the project (unless inside one and no name is given) and its profile."""
    existing = Path("dbt_project.yml")
    if name is None and existing.is_file():
        project = yaml.safe_load(existing.read_text(encoding="utf-8")) or {}
        profile_name = str(project.get("profile") or project.get("name") or "")
        if not profile_name:
            raise ProjectError("dbt_project.yml names no profile", path=existing, hint="add `profile: <name>`")
        if skip_profile:
            echo("Nothing to do: this folder is a project already, and --skip-profile-setup was given.")
            return 0
        path = _write_profile(profile_name, adapter, settings, profiles_dir, target, ask)
        echo(f"Profile '{profile_name}' written to {path}")
        return 0
    if name is None:
        if ask is None:
            raise ProjectError("init needs the new project's name", hint="dagwright init my_project --adapter duckdb")
        name = str(ask("The name of your project (letters, digits, underscores)", None, False))
    if not _NAME.match(name):
        raise ProjectError(
            f"'{name}' is not a valid project name",
            hint="letters, digits and underscores, not starting with a digit (e.g. my_project)",
        )
    root = Path(name)
    if root.exists():
        raise ProjectError(
            f"'{root}' exists already: nothing was written", hint="choose another name, or another folder"
        )
    # the profile is checked (and completed) before anything is written
    profile = None if skip_profile else _profile(name, adapter, settings, ask, name)
    profiles_path = _profiles_path(profiles_dir)
    if profile is not None:
        _check_free(profiles_path, name)
    root.mkdir(parents=True)
    (root / "dbt_project.yml").write_text(_PROJECT_YML.format(name=name), encoding="utf-8")
    for rel, text in _FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{name}", name), encoding="utf-8")
    created = {"docs_url": PROFILE_DOCS, "project_name": name, "slack_url": COMMUNITY}
    say(echo, "ProjectCreated", f"Created the project '{name}' in {root.resolve()}", created)
    if profile is not None:
        _append_profile(profiles_path, name, target, profile)
        echo(f"Profile '{name}' ({profile['type']}) written to {profiles_path}")
    echo(f"Next: cd {name} && dagwright build")
    return 0


def _profiles_path(profiles_dir: str | None) -> Path:
    folder = profiles_dir or os.environ.get("DBT_PROFILES_DIR") or str(Path.home() / ".dbt")
    return Path(folder).expanduser() / PROFILES_FILE


def _profile(
    name: str, adapter: str | None, settings: Mapping[str, Any], ask: Ask | None, defaults_name: str
) -> dict[str, Any]:
    if adapter is None:
        if ask is None:
            raise ProfileError(
                "init needs the profile's engine",
                hint=f"--adapter {' | '.join(PROFILE_KEYS)} (or --skip-profile-setup)",
            )
        adapter = str(ask(f"Which engine ({', '.join(PROFILE_KEYS)})", "duckdb", False))
    if adapter not in PROFILE_KEYS:
        raise ProfileError(f"'{adapter}' is not an engine dagwright runs", hint=f"one of: {', '.join(PROFILE_KEYS)}")
    output: dict[str, Any] = {"type": adapter}
    missing = []
    for key, default in PROFILE_KEYS[adapter].items():
        if key in settings:
            output[key] = settings[key]
            continue
        value = default.replace("{name}", defaults_name) if isinstance(default, str) else default
        if ask is not None:
            value = ask(key, value, key in _SECRETS)
        if value is None:
            missing.append(key)
        else:
            output[key] = value
    if missing:
        raise ProfileError(
            f"the {adapter} profile needs {', '.join(missing)}",
            hint=" ".join(f"--set {k}=..." for k in missing)
            + (
                " (a password is better read from the environment: --set \"password={{ env_var('PGPASSWORD') }}\")"
                if "password" in missing
                else ""
            ),
        )
    for key, value in settings.items():  # other keys the user gave: written as given
        output.setdefault(key, value)
    return output


def _check_free(path: Path, name: str) -> None:
    if not path.is_file():
        return
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if isinstance(data, Mapping) and name in data:
        raise ProfileError(
            f"{path} has a profile '{name}' already: nothing was written",
            hint="use it (--skip-profile-setup), or remove it first",
        )


def _append_profile(path: Path, name: str, target: str, output: Mapping[str, Any]) -> None:
    """Add the profile at the end of profiles.yml, leaving the rest of the file as it is."""
    block = yaml.safe_dump({name: {"target": target, "outputs": {target: dict(output)}}}, sort_keys=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.read_text(encoding="utf-8") if path.is_file() else ""
    if before and not before.endswith("\n"):
        before += "\n"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(before + ("\n" if before else "") + block, encoding="utf-8")
    tmp.replace(path)  # atomic: profiles.yml is never half-written


def _write_profile(
    profile_name: str,
    adapter: str | None,
    settings: Mapping[str, Any],
    profiles_dir: str | None,
    target: str,
    ask: Ask | None,
) -> Path:
    output = _profile(profile_name, adapter, settings, ask, profile_name)
    path = _profiles_path(profiles_dir)
    _check_free(path, profile_name)
    _append_profile(path, profile_name, target, output)
    return path
