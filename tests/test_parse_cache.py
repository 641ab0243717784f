"""The parse cache (target/dagwright_parse.msgpack): reused when nothing changed, and every
kind of change a parse depends on is seen on the next command."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Project

CACHE = "dagwright_parse.msgpack"

FILES = {
    "macros/names.sql": """\
        {% macro inner_tag() %}inner_v1{% endmacro %}
        {% macro outer_tag() %}{{ inner_tag() }}{% endmacro %}
    """,
    "models/a.sql": "{{ config(materialized='table') }}\nselect 1 as id\n",
    "models/b.sql": "select * from {{ ref('a') }}\n",
    # rendered with Jinja at parse time: its config depends on a var, an env var and macros
    "models/c.sql": """\
        {% if var('c_as_table', false) %}{{ config(materialized='table') }}{% endif %}
        {{ config(alias=env_var('C_ALIAS', 'c_default'), tags=[outer_tag()]) }}
        select 2 as id
    """,
    "models/schema.yml": """\
        version: 2
        models:
          - name: a
            description: first
    """,
}


@pytest.fixture
def project(make_project: Callable[[dict[str, str]], Project]) -> Project:
    p = make_project(FILES)
    p.ok("parse")
    return p


def node(p: Project, name: str) -> dict[str, Any]:
    return p.manifest()["nodes"][f"model.proj.{name}"]


def cache_stamp(p: Project) -> tuple[int, int]:
    stat = (p.target / CACHE).stat()
    return stat.st_ino, stat.st_mtime_ns


def without_volatile(manifest: dict[str, Any]) -> dict[str, Any]:
    """manifest.json without what differs between any two invocations."""
    out = dict(manifest)
    out["metadata"] = {
        k: v
        for k, v in manifest["metadata"].items()
        if k not in ("generated_at", "invocation_id", "invocation_started_at", "run_started_at")
    }
    out["nodes"] = {uid: {k: v for k, v in n.items() if k != "created_at"} for uid, n in manifest["nodes"].items()}
    out["macros"] = {uid: {k: v for k, v in m.items() if k != "created_at"} for uid, m in manifest["macros"].items()}
    return out


def edit(p: Project, rel: str, text: str) -> None:
    (p.root / rel).write_text(text, encoding="utf-8")


def test_unchanged_project_is_read_from_the_cache(project: Project) -> None:
    first = project.manifest()
    stamp = cache_stamp(project)
    result = project.ok("parse")
    assert "Found 3 models" in result.stdout
    assert cache_stamp(project) == stamp  # a hit writes no new cache
    assert without_volatile(project.manifest()) == without_volatile(first)
    assert project.manifest()["metadata"]["invocation_id"] != first["metadata"]["invocation_id"]


def test_edited_model(project: Project) -> None:
    stamp = cache_stamp(project)
    edit(project, "models/b.sql", "select * from {{ ref('a') }} union all select * from {{ ref('c') }}\n")
    project.ok("parse")
    assert cache_stamp(project) != stamp
    assert node(project, "b")["depends_on"]["nodes"] == ["model.proj.a", "model.proj.c"]


def test_added_and_removed_model(project: Project) -> None:
    edit(project, "models/d.sql", "select * from {{ ref('b') }}\n")
    project.ok("parse")
    assert node(project, "d")["depends_on"]["nodes"] == ["model.proj.b"]
    (project.root / "models" / "d.sql").unlink()
    result = project.ok("parse")
    assert "model.proj.d" not in project.manifest()["nodes"]
    assert "Found 3 models" in result.stdout


def test_removed_model_still_referenced_is_an_error(project: Project) -> None:
    (project.root / "models" / "a.sql").unlink()
    result = project.run("parse")
    assert result.code == 2, str(result)
    assert "ref('a')" in result.stderr and "models/b.sql" in result.stderr


def test_changed_var(project: Project) -> None:
    assert node(project, "c")["config"]["materialized"] == "view"
    project.ok("parse", "--vars", "{c_as_table: true}")
    assert node(project, "c")["config"]["materialized"] == "table"
    project.ok("parse")
    assert node(project, "c")["config"]["materialized"] == "view"


def test_changed_env_var_read_by_a_model(project: Project) -> None:
    assert node(project, "c")["alias"] == "c_default"
    project.env["C_ALIAS"] = "c_from_env"
    project.ok("parse")
    assert node(project, "c")["alias"] == "c_from_env"
    stamp = cache_stamp(project)
    project.env["SOME_UNRELATED_VARIABLE"] = "x"  # read by no template: still a hit
    project.ok("parse")
    assert cache_stamp(project) == stamp


def test_flags_read_at_parse_time_are_part_of_the_key(project: Project) -> None:
    model = "{% if flags.WHICH == 'compile' %}{{ config(tags=['compiling']) }}{% endif %}select 1 as id"
    edit(project, "models/f.sql", model)
    project.ok("parse")
    assert node(project, "f")["tags"] == []
    project.ok("compile")
    assert node(project, "f")["tags"] == ["compiling"]
    project.ok("parse")
    assert node(project, "f")["tags"] == []


def test_changed_macro_called_through_another_macro(project: Project) -> None:
    assert node(project, "c")["tags"] == ["inner_v1"]
    edit(
        project,
        "macros/names.sql",
        "{% macro inner_tag() %}inner_v2{% endmacro %}\n{% macro outer_tag() %}{{ inner_tag() }}{% endmacro %}\n",
    )
    project.ok("parse")
    assert node(project, "c")["tags"] == ["inner_v2"]


def test_changed_property_file(project: Project) -> None:
    assert node(project, "a")["description"] == "first"
    edit(project, "models/schema.yml", "version: 2\nmodels:\n  - name: a\n    description: second\n")
    project.ok("parse")
    assert node(project, "a")["description"] == "second"


def test_changed_dbt_project_yml(project: Project) -> None:
    text = (project.root / "dbt_project.yml").read_text(encoding="utf-8")
    edit(project, "dbt_project.yml", text + "models:\n  proj:\n    +schema: marts\n")
    project.ok("parse")
    assert node(project, "b")["schema"] == "main_marts"


def test_changed_profile_target(project: Project) -> None:
    profiles = (project.root / "profiles.yml").read_text(encoding="utf-8")
    edit(project, "profiles.yml", profiles + "      schema: other\n")
    project.ok("parse")
    assert node(project, "b")["schema"] == "other"


def test_compile_after_a_cache_hit_matches_a_cold_compile(project: Project) -> None:
    project.ok("parse")  # a hit: compile below starts from the cached parse
    project.ok("compile")
    warm = {p.name: p.read_text(encoding="utf-8") for p in (project.target / "compiled").rglob("*.sql")}
    (project.target / CACHE).unlink()
    for path in (project.target / "compiled").rglob("*.sql"):
        path.unlink()
    project.ok("compile")
    cold = {p.name: p.read_text(encoding="utf-8") for p in (project.target / "compiled").rglob("*.sql")}
    assert warm == cold
    assert '"main"."a"' in cold["b.sql"]
    assert cold["c.sql"].strip().endswith("select 2 as id")


def test_damaged_cache_is_ignored_and_replaced(project: Project) -> None:
    (project.target / CACHE).write_bytes(b"\x93not a cache")
    project.ok("parse")
    assert node(project, "b")["depends_on"]["nodes"] == ["model.proj.a"]
    stamp = cache_stamp(project)
    project.ok("parse")
    assert cache_stamp(project) == stamp


def test_cache_cut_inside_the_manifest_is_ignored_and_replaced(project: Project) -> None:
    """The file is read object by object (header, static parts, manifest): one whose header
    is whole but whose manifest is cut short is a miss, never an error."""
    full = project.manifest()
    data = (project.target / CACHE).read_bytes()
    (project.target / CACHE).write_bytes(data[: len(data) - 40])
    project.ok("parse")
    assert without_volatile(project.manifest()) == without_volatile(full)
    assert (project.target / CACHE).read_bytes() == data  # written whole again
    stamp = cache_stamp(project)
    project.ok("parse")
    assert cache_stamp(project) == stamp


def test_cache_holds_no_env_var_values(project: Project) -> None:
    """The cache compares env vars by digest: a value read by a template but kept out of
    the manifest (a token checked in an ``if``) is not written to target/."""
    model = "{% if env_var('CHECK_TOKEN', '') == 'x' %}{{ config(tags=['t']) }}{% endif %}select 1"
    edit(project, "models/e.sql", model)
    project.env["CHECK_TOKEN"] = "token-value-0123456789"
    project.ok("parse")
    assert b"token-value-0123456789" not in (project.target / CACHE).read_bytes()
    project.env["CHECK_TOKEN"] = "x"
    project.ok("parse")
    assert node(project, "e")["tags"] == ["t"]


def test_target_path_flag_moves_the_cache(project: Project, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    project.ok("parse", "--target-path", str(elsewhere))
    assert (elsewhere / CACHE).is_file()
    assert os.path.exists(project.target / CACHE)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_engines_named_without_their_module_keep_sql_dialect_names(engine: str) -> None:
    """parse and ls name relations with SQLDialect instead of importing the engine's module
    (session.PLAIN_SQL_NAMES): that holds only while the adapter does not rename them."""
    from dagwright.adapters.sql import SQLDialect
    from dagwright.session import PLAIN_SQL_NAMES

    assert engine in PLAIN_SQL_NAMES
    if engine == "duckdb":
        from dagwright.adapters.duckdb import DuckDBAdapter as adapter_class
    else:
        pytest.importorskip("psycopg")
        from dagwright.adapters.postgres import PostgresAdapter as adapter_class
    assert adapter_class.render is SQLDialect.render
    assert adapter_class.quote is SQLDialect.quote
    assert adapter_class.quote_char == SQLDialect.quote_char


PLAIN_ENV_VAR_VALUES = {
    "path": "{{ env_var('PLAIN_PATH') }}",
    "schema": "{{env_var(\"PLAIN_UNSET\", 'fallback')}}",
    "role": "{{ env_var('PLAIN_UNSET' , '' ) }}",
    "password": "{{ env_var('DBT_ENV_SECRET_PLAIN') }}",
}


@pytest.mark.parametrize("through_jinja", [False, True])
def test_plain_env_var_in_a_profile_resolves_as_jinja_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, through_jinja: bool
) -> None:
    """A profile value that is only ``{{ env_var(...) }}`` is read without Jinja (a warm parse
    then never loads it); the same value with a no-op filter goes through Jinja: both the same."""
    from dagwright.errors import ProfileError
    from dagwright.project.profile import MASK, load_target

    monkeypatch.setenv("PLAIN_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.delenv("PLAIN_UNSET", raising=False)
    monkeypatch.setenv("DBT_ENV_SECRET_PLAIN", "secret-pw-123")
    lines = ["p:", "  target: dev", "  outputs:", "    dev:", "      type: duckdb"]
    for key, value in PLAIN_ENV_VAR_VALUES.items():
        if through_jinja:
            value = value.replace(") }}", ") | string }}").replace(")}}", ") | string}}")
        quoted = value.replace("'", "''")
        lines.append(f"      {key}: '{quoted}'")
    (tmp_path / "profiles.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = load_target("p", None, profiles_dir=tmp_path, project_dir=tmp_path)
    shown = target.safe_dict()
    assert shown["path"] == str(tmp_path / "w.duckdb")
    assert target.schema == "fallback"
    assert shown["role"] == ""
    assert shown["password"] == MASK
    assert target.credentials["password"] == "secret-pw-123"

    monkeypatch.delenv("PLAIN_PATH")
    with pytest.raises(ProfileError, match="PLAIN_PATH") as failure:
        load_target("p", None, profiles_dir=tmp_path, project_dir=tmp_path)
    assert failure.value.line == 6


def test_builtin_macro_index_is_current() -> None:
    """The shipped analysis of dagwright's own macros matches the macro files (else: make macro-index)."""
    import json

    from dagwright.parse.macro_index import INDEX_FILE, current_index

    assert json.loads(INDEX_FILE.read_text(encoding="utf-8")) == current_index(), "run `make macro-index`"


def test_builtin_macro_index_changes_nothing_but_speed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the index (or with a stale one) the built-in macros are analysed at parse time
    to the same macros, arguments and dependency-free set."""
    from dagwright.parse import macro_index
    from dagwright.parse.macros import load_macros
    from dagwright.project.config import load_project

    (tmp_path / "dbt_project.yml").write_text("name: proj\nversion: '1'\nprofile: p\n", encoding="utf-8")
    project = load_project(tmp_path)
    with_index = load_macros(project, [])
    macro_index.builtin_macro_index.cache_clear()
    monkeypatch.setattr(macro_index, "INDEX_FILE", tmp_path / "missing.json")
    try:
        without = load_macros(project, [])
    finally:
        macro_index.builtin_macro_index.cache_clear()
    assert with_index[0] == without[0]
    assert with_index[1].pure == without[1].pure
