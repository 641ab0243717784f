"""Tests for dagwright.project.profile: finding profiles.yml and loading a target."""

from __future__ import annotations

import copy
import pickle
import textwrap
from pathlib import Path

import pytest

from dagwright.errors import ProfileError
from dagwright.project.profile import (
    MASK,
    Credentials,
    Target,
    duckdb_database_name,
    find_profiles_dir,
    is_secret_key,
    load_target,
)

SECRET = "s3cr3t-VALUE-xyz"
PASSWORD = "hunter2-literal"

BASIC = """
jaffle:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: dev.duckdb
      threads: 4
    prod:
      type: duckdb
      path: /data/warehouse/prod.duckdb
      schema: analytics
"""


# a profile with one target, `default`, of type duckdb, ready for one more key at line 5
ONE = "jaffle:\n  outputs:\n    default:\n      type: duckdb\n"


def write(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "profiles.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A HOME without ~/.dbt, a neutral cwd, and no DBT_* variables leaking in."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    monkeypatch.delenv("DBT_ENV_SECRET_PW", raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    p = tmp_path / "project"
    p.mkdir()
    return p


def load(project: Path, profile: str = "jaffle", target: str | None = None, **kw) -> Target:
    kw.setdefault("profiles_dir", None)
    return load_target(profile, target, project_dir=project, **kw)


def error(project: Path, profile: str = "jaffle", target: str | None = None, **kw) -> ProfileError:
    with pytest.raises(ProfileError) as info:
        load(project, profile, target, **kw)
    return info.value


# --------------------------------------------------------------------------- lookup order


def test_lookup_explicit_dir_wins_over_everything(tmp_path, project, monkeypatch):
    explicit = tmp_path / "explicit"
    write(explicit, BASIC)
    write(tmp_path / "envdir", BASIC)
    write(project, BASIC)
    write(Path.home() / ".dbt", BASIC)
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path / "envdir"))
    assert find_profiles_dir(explicit, project) == explicit
    assert find_profiles_dir(str(explicit), project) == explicit
    t = load(project, profiles_dir=explicit)
    assert t.profiles_path == explicit / "profiles.yml"


def test_lookup_env_var_second(tmp_path, project, monkeypatch):
    envdir = tmp_path / "envdir"
    write(envdir, BASIC)
    write(project, BASIC)
    write(Path.home() / ".dbt", BASIC)
    monkeypatch.setenv("DBT_PROFILES_DIR", str(envdir))
    assert find_profiles_dir(None, project) == envdir
    assert load(project).profiles_path == envdir / "profiles.yml"


def test_lookup_project_dir_third(project):
    write(project, BASIC)
    write(Path.home() / ".dbt", BASIC)
    assert find_profiles_dir(None, project) == project
    assert load(project).profiles_path == project / "profiles.yml"


def test_lookup_project_dir_without_profiles_falls_to_home(project):
    home_dbt = Path.home() / ".dbt"
    write(home_dbt, BASIC)
    assert find_profiles_dir(None, project) == home_dbt
    assert load(project).profiles_path == home_dbt / "profiles.yml"


def test_lookup_home_when_nothing_exists(project):
    assert find_profiles_dir(None, project) == Path.home() / ".dbt"


def test_lookup_cwd_is_searched_like_dbt(project):
    write(Path.cwd(), BASIC)
    write(Path.home() / ".dbt", BASIC)
    assert find_profiles_dir(None, project) == Path.cwd()


def test_empty_env_var_is_ignored(project, monkeypatch):
    monkeypatch.setenv("DBT_PROFILES_DIR", "")
    write(project, BASIC)
    assert find_profiles_dir(None, project) == project


def test_not_found_lists_searched_dirs(project):
    e = error(project)
    text = str(e)
    assert "could not find profiles.yml" in text
    assert str(project) in text
    assert str(Path.home() / ".dbt") in text
    assert "--profiles-dir" in text


def test_explicit_dir_without_profiles_does_not_fall_back(tmp_path, project):
    write(project, BASIC)
    empty = tmp_path / "empty"
    empty.mkdir()
    e = error(project, profiles_dir=empty)
    assert str(empty / "profiles.yml") == e.path
    assert "--profiles-dir" in str(e)


def test_env_dir_without_profiles_does_not_fall_back(tmp_path, project, monkeypatch):
    write(project, BASIC)
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path / "nowhere"))
    e = error(project)
    assert "DBT_PROFILES_DIR" in str(e)
    assert "does not exist" in str(e)


# --------------------------------------------------------------------------- targets


def test_default_target_from_profile(project):
    write(project, BASIC)
    t = load(project)
    assert (t.profile_name, t.target_name, t.type, t.threads) == ("jaffle", "dev", "duckdb", 4)
    assert t.schema == "main"
    assert t.database == "dev"
    assert t.credentials["path"] == "dev.duckdb"
    assert "type" not in t.credentials and "threads" not in t.credentials


def test_explicit_target(project):
    write(project, BASIC)
    t = load(project, target="prod")
    assert t.target_name == "prod"
    assert t.schema == "analytics"
    assert t.database == "prod"
    assert t.threads == 1  # default


def test_target_defaults_to_default_when_profile_has_no_target(project):
    write(
        project,
        """
        jaffle:
          outputs:
            default: {type: duckdb}
        """,
    )
    t = load(project)
    assert t.target_name == "default"
    assert t.credentials["path"] == ":memory:"
    assert t.database == "memory"


def test_target_key_is_rendered(project, monkeypatch):
    write(
        project,
        """
        jaffle:
          target: "{{ env_var('WHICH', 'dev') }}"
          outputs:
            dev: {type: duckdb}
            prod: {type: duckdb, path: p.duckdb}
        """,
    )
    assert load(project).target_name == "dev"
    monkeypatch.setenv("WHICH", "prod")
    assert load(project).database == "p"


def test_config_block_is_not_a_profile(project):
    write(project, "config:\n  send_anonymous_usage_stats: false\n" + BASIC)
    assert load(project).target_name == "dev"
    e = error(project, profile="config")
    assert "'jaffle'" in str(e)
    assert e.message.endswith("available profiles: 'jaffle'")


def test_only_the_chosen_target_is_rendered(project):
    write(
        project,
        """
        jaffle:
          target: dev
          outputs:
            dev: {type: duckdb}
            prod: {type: postgres, password: "{{ env_var('NOT_SET_ANYWHERE') }}", schema: s}
        """,
    )
    assert load(project).type == "duckdb"


def test_anchors_and_merge_keys(project):
    write(
        project,
        """
        jaffle:
          target: dev
          outputs:
            dev: &base
              type: duckdb
              path: dev.duckdb
              threads: 2
            ci:
              <<: *base
              path: ci.duckdb
        """,
    )
    t = load(project, target="ci")
    assert (t.database, t.threads) == ("ci", 2)


def test_other_adapter_keeps_keys_and_needs_schema(project):
    write(
        project,
        """
        jaffle:
          target: pg
          outputs:
            pg:
              type: postgres
              host: localhost
              port: "5432"
              user: me
              pass: pw-value
              dbname: analytics
              schema: public
            noschema:
              type: postgres
              host: localhost
        """,
    )
    t = load(project)
    assert t.type == "postgres"
    assert t.credentials["port"] == 5432
    assert t.database == "analytics"
    assert t.schema == "public"
    assert t.safe_dict()["pass"] == MASK
    e = error(project, target="noschema")
    assert "schema" in str(e)
    assert e.line is not None


def test_adapter_type_is_not_validated(project):
    write(project, "jaffle:\n  target: x\n  outputs:\n    x: {type: nosuchdb, schema: s}\n")
    assert load(project).type == "nosuchdb"


# --------------------------------------------------------------------------- jinja


ENV_PROFILE = """
jaffle:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('DB_FILE', 'fallback.duckdb') }}"
      threads: "{{ env_var('THREADS', '3') }}"
      schema: "{{ var('schema_name', 'main') }}"
      user: "{{ env_var('DB_USER') }}"
"""


def test_env_var_with_default(project, monkeypatch):
    write(project, ENV_PROFILE)
    monkeypatch.setenv("DB_USER", "alice")
    t = load(project)
    assert t.credentials["path"] == "fallback.duckdb"
    assert t.database == "fallback"
    assert t.threads == 3
    assert t.credentials["user"] == "alice"


def test_env_var_set_overrides_default(project, monkeypatch):
    write(project, ENV_PROFILE)
    monkeypatch.setenv("DB_USER", "alice")
    monkeypatch.setenv("DB_FILE", "other/thing.duckdb")
    monkeypatch.setenv("THREADS", "8")
    t = load(project)
    assert (t.database, t.threads) == ("thing", 8)


def test_env_var_without_default_missing(project, monkeypatch):
    monkeypatch.delenv("DB_USER", raising=False)
    path = write(project, ENV_PROFILE)
    e = error(project)
    assert "DB_USER" in str(e)
    assert e.path == str(path)
    assert e.line == 10
    assert str(path) in str(e)


def test_var_from_cli_vars(project, monkeypatch):
    write(project, ENV_PROFILE)
    monkeypatch.setenv("DB_USER", "alice")
    assert load(project).schema == "main"
    assert load(project, cli_vars={"schema_name": "custom"}).schema == "custom"


def test_var_without_default_missing(project):
    write(project, "jaffle:\n  outputs:\n    default:\n      type: duckdb\n      schema: \"{{ var('s') }}\"\n")
    e = error(project)
    assert "'s'" in str(e)
    assert "--vars" in str(e)
    assert e.line == 5


def test_conversion_filters_and_coercion(project, monkeypatch):
    monkeypatch.setenv("PORT", "6543")
    monkeypatch.setenv("FLAG", "true")
    write(
        project,
        """
        jaffle:
          target: dev
          outputs:
            dev:
              type: duckdb
              threads: "2"
              port: "{{ env_var('PORT') }}"
              retries: "{{ env_var('PORT') | as_number }}"
              enabled: "{{ env_var('FLAG') }}"
              strict: "{{ 'False' | as_bool }}"
              kept: "true"
              label: "{{ '42' | as_text }}"
              nested:
                items: "{{ var('lst') }}"
              text: "x{{ env_var('PORT') }}"
        """,
    )
    t = load(project, cli_vars={"lst": [1, 2]})
    c = t.credentials
    assert t.threads == 2
    assert c["port"] == 6543
    assert c["retries"] == 6543
    assert c["enabled"] is True
    assert c["strict"] is False
    assert c["kept"] == "true"  # a literal YAML string is left alone
    assert c["label"] == "42"
    assert c["nested"] == {"items": [1, 2]}
    assert c["text"] == "x6543"


def test_jinja_syntax_error(project):
    write(project, 'jaffle:\n  outputs:\n    default:\n      type: duckdb\n      path: "{{ oops( }}"\n')
    e = error(project)
    assert "Jinja" in str(e)
    assert e.line == 5


def test_undefined_name_is_an_error(project):
    write(project, ONE + '      x: "{{ foo }}"\n')
    e = error(project)
    assert "foo" in str(e)
    assert e.line == 5


def test_bad_as_number(project):
    write(
        project,
        "jaffle:\n  outputs:\n    default:\n      type: duckdb\n      port: \"{{ 'x' | as_number }}\"\n",
    )
    assert "as_number" in str(error(project))


# --------------------------------------------------------------------------- threads


def test_threads_override(project):
    write(project, BASIC)
    assert load(project, threads=16).threads == 16
    assert load(project, target="prod", threads=2).threads == 2


@pytest.mark.parametrize("bad", [0, -1])
def test_threads_override_must_be_positive(project, bad):
    write(project, BASIC)
    e = error(project, threads=bad)
    assert "--threads" in str(e)


@pytest.mark.parametrize("bad", ["0", "many", "-2", "true"])
def test_profile_threads_must_be_positive_int(project, bad):
    write(project, f"jaffle:\n  outputs:\n    default:\n      type: duckdb\n      threads: {bad}\n")
    e = error(project)
    assert "threads" in str(e)
    assert e.line == 5


# --------------------------------------------------------------------------- secrets


SECRET_PROFILE = """
jaffle:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: dev.duckdb
      password: hunter2-literal
      motherduck_token: tok-literal-value
      api_key: "{{ env_var('DBT_ENV_SECRET_PW') }}"
      settings:
        s3_region: eu-west-1
        s3_key: "{{ env_var('DBT_ENV_SECRET_PW') }}"
      extensions: [httpfs]
"""


def test_secret_env_var_and_password_masked(project, monkeypatch):
    monkeypatch.setenv("DBT_ENV_SECRET_PW", SECRET)
    write(project, SECRET_PROFILE)
    t = load(project)
    # the adapter still gets the real values
    assert t.credentials["api_key"] == SECRET
    assert t.credentials.get("password") == PASSWORD
    assert t.credentials["settings"]["s3_key"] == SECRET
    safe = t.safe_dict()
    assert safe["api_key"] == MASK
    assert safe["password"] == MASK
    assert safe["motherduck_token"] == MASK
    assert safe["settings"] == {"s3_region": "eu-west-1", "s3_key": MASK}
    assert safe["extensions"] == ["httpfs"]
    assert safe["path"] == "dev.duckdb"
    assert safe["database"] == "dev" and safe["schema"] == "main"
    for text in (repr(t), str(t), repr(t.credentials), str(t.credentials), str(t.credentials.safe_dict())):
        assert SECRET not in text
        assert PASSWORD not in text
        assert "tok-literal-value" not in text
    assert t.credentials.is_secret("api_key")
    assert t.credentials.is_secret("password")
    assert not t.credentials.is_secret("path")
    assert {SECRET, PASSWORD} <= t.secret_values()


def test_secret_whatever_its_key(project, monkeypatch):
    monkeypatch.setenv("DBT_ENV_SECRET_PW", SECRET)
    write(
        project,
        ONE + "      host: \"{{ env_var('DBT_ENV_SECRET_PW') }}\"\n",
    )
    t = load(project)
    assert t.safe_dict()["host"] == MASK
    assert t.credentials["host"] == SECRET


def test_credentials_are_read_only(project, monkeypatch):
    monkeypatch.setenv("DBT_ENV_SECRET_PW", SECRET)
    write(project, SECRET_PROFILE)
    t = load(project)
    t.credentials["settings"]["s3_key"] = "changed"
    assert t.credentials["settings"]["s3_key"] == SECRET
    with pytest.raises(TypeError):
        t.credentials["path"] = "x"  # type: ignore[index]
    assert dict(t.credentials)["path"] == "dev.duckdb"
    assert set(t.credentials.keys()) >= {"path", "password", "settings"}
    assert t.credentials.get("missing", 7) == 7
    assert copy.deepcopy(t) == t
    assert pickle.loads(pickle.dumps(t.credentials)) == t.credentials
    hash(t)


def test_secret_never_in_error_messages(project, monkeypatch):
    monkeypatch.setenv("DBT_ENV_SECRET_PW", SECRET)
    base = textwrap.dedent(SECRET_PROFILE)
    cases = {
        "threads": base + "      threads: \"{{ env_var('DBT_ENV_SECRET_PW') }}\"\n",
        "database": base + "      database: \"{{ env_var('DBT_ENV_SECRET_PW') }}\"\n",
        "missing_env": base + "      other: \"{{ env_var('NOPE_NOT_SET') }}\"\n",
        "password_db": base.replace("path: dev.duckdb", f"path: dev.duckdb\n      database: {PASSWORD}"),
        "no_type": base.replace("      type: duckdb\n", ""),
        "password_threads": base + f"      threads: {PASSWORD}\n",
    }
    for name, text in cases.items():
        (project / "profiles.yml").write_text(text, encoding="utf-8")
        for target in (None, "dev", "nope"):
            for prof in ("jaffle", "jaffe"):
                with pytest.raises(ProfileError) as info:
                    load(project, prof, target)
                e = info.value
                for shown in (str(e), e.message, e.hint or "", repr(e)):
                    assert SECRET not in shown, name
                    assert PASSWORD not in shown, name
                    assert "tok-literal-value" not in shown, name


def test_secret_value_hidden_in_threads_error(project, monkeypatch):
    monkeypatch.setenv("DBT_ENV_SECRET_PW", SECRET)
    write(
        project,
        ONE + "      threads: \"{{ env_var('DBT_ENV_SECRET_PW') }}\"\n",
    )
    e = error(project)
    assert "threads" in str(e)
    assert MASK in str(e)
    assert SECRET not in str(e)


def test_is_secret_key():
    for key in (
        "password",
        "PASSWORD",
        "pass",
        "token",
        "private_key",
        "keyfile",
        "keyfile_json",
        "client_secret",
        "refresh_token",
        "private_key_passphrase",
        "s3_secret_access_key",
    ):
        assert is_secret_key(key), key
    for key in ("path", "host", "user", "schema", "extensions", 3):
        assert not is_secret_key(key), key


def test_credentials_constructed_directly():
    c = Credentials({"user": "u", "password": "p", "deep": {"token": "t", "ok": 1}}, secret_paths=[("user",)])
    assert c.safe_dict() == {"user": MASK, "password": MASK, "deep": {"token": MASK, "ok": 1}}
    assert "'p'" not in repr(c) and "'t'" not in repr(c) and "'u'" not in repr(c)
    assert len(c) == 3 and "deep" in c


# --------------------------------------------------------------------------- errors


def test_yaml_syntax_error_has_line(project):
    path = write(project, "jaffle:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n     bad: [\n")
    e = error(project)
    assert e.path == str(path)
    assert e.line is not None and e.line >= 5
    assert "YAML" in str(e)
    assert f"{path}:{e.line}" in str(e)


def test_yaml_secret_not_shown_in_syntax_error(project):
    write(project, f"jaffle:\n  outputs:\n    dev:\n      password: {PASSWORD}: oops\n")
    e = error(project)
    assert e.line == 4
    assert PASSWORD not in str(e)


def test_empty_and_non_mapping_files(project):
    write(project, "")
    assert "empty" in str(error(project))
    write(project, "- a\n- b\n")
    assert "mapping" in str(error(project))


def test_profile_missing_lists_available_with_hint(project):
    path = write(project, BASIC + "\nother:\n  outputs:\n    x: {type: duckdb}\n")
    e = error(project, profile="jafle")
    assert e.path == str(path)
    assert "'jafle'" in e.message
    assert "'jaffle'" in e.message and "'other'" in e.message
    assert e.hint is not None and "did you mean 'jaffle'" in e.hint
    assert "dbt_project.yml" in e.hint


def test_target_missing_lists_available_with_hint(project):
    path = write(project, BASIC)
    e = error(project, target="prd")
    assert e.path == str(path)
    assert "'prd'" in e.message
    assert "'dev'" in e.message and "'prod'" in e.message
    assert "--target" in e.message
    assert e.hint is not None and "did you mean 'prod'" in e.hint
    assert e.line == 2


def test_profile_default_target_missing(project):
    write(project, "jaffle:\n  target: staging\n  outputs:\n    dev: {type: duckdb}\n")
    e = error(project)
    assert "'staging'" in e.message and "'dev'" in e.message
    assert e.line == 2


def test_no_target_key_and_no_default_output(project):
    write(project, "jaffle:\n  outputs:\n    dev: {type: duckdb}\n")
    e = error(project)
    assert "'default'" in e.message and "'dev'" in e.message


def test_target_without_type(project):
    path = write(project, "jaffle:\n  target: dev\n  outputs:\n    dev:\n      path: dev.duckdb\n")
    e = error(project)
    assert "`type`" in e.message
    assert e.path == str(path)
    assert e.line == 4
    assert "type: duckdb" in (e.hint or "")


def test_profile_without_outputs(project):
    write(project, "jaffle:\n  target: dev\n")
    e = error(project)
    assert "outputs" in e.message
    assert e.line == 1


def test_target_not_a_mapping(project):
    write(project, "jaffle:\n  outputs:\n    default: duckdb\n")
    e = error(project)
    assert "mapping" in e.message
    assert e.line == 3


# --------------------------------------------------------------------------- duckdb naming


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (None, "memory"),
        (":memory:", "memory"),
        ("dev.duckdb", "dev"),
        ("./data/jaffle_shop.duckdb", "jaffle_shop"),
        ("/abs/path/warehouse.db", "warehouse"),
        ("noext", "noext"),
        ("my.db.duckdb", "my"),
        (".hidden.duckdb", "hidden"),
        ("md:analytics", "analytics"),
        ("md:", "my_db"),
        ("motherduck:prod_db?token=abc", "prod_db"),
        ("s3://bucket/dir/remote.duckdb", "remote"),
        ("C:\\data\\win.duckdb", "win"),
        ("ducklake:meta.ducklake", "meta"),
    ],
)
def test_duckdb_database_name(path, expected):
    assert duckdb_database_name(path) == expected


def test_duckdb_database_key_must_match_path(project):
    write(
        project,
        """
        jaffle:
          target: ok
          outputs:
            ok: {type: duckdb, path: dev.duckdb, database: dev}
            mismatch: {type: duckdb, path: dev.duckdb, database: other}
            attached:
              type: duckdb
              path: dev.duckdb
              database: lake
              attach: [{path: lake.duckdb, alias: lake}]
        """,
    )
    assert load(project).database == "dev"
    assert load(project, target="attached").database == "lake"
    e = error(project, target="mismatch")
    assert "'dev'" in e.message and "database" in e.message
    assert e.line == 6


def test_relative_duckdb_path_kept_as_is(project):
    write(project, "jaffle:\n  outputs:\n    default: {type: duckdb, path: ../rel/x.duckdb}\n")
    t = load(project)
    assert t.credentials["path"] == "../rel/x.duckdb"
    assert t.database == "x"
