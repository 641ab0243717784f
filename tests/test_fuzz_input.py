"""Malformed input never crashes: fuzzed dbt_project.yml, property files and models end in a
parse that succeeds or in a ``DagwrightError`` (the CLI's clear exit 2), never in another
exception (the CLI's "Internal error").

Hypothesis builds random structures under the keys dbt knows, with odd scalars (integers past
64 bits, NUL bytes, names too long for a file system, non-string keys, nulls, lists where
mappings belong) and Jinja snippets in models. Derandomized and bounded, so CI is deterministic
and the file takes well under a minute."""

from __future__ import annotations

import json
import os
import tempfile
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DEFAULT_PROFILES_YML, DEFAULT_PROJECT_YML, write_project
from dagwright.errors import DagwrightError
from dagwright.flags import Flags
from dagwright.tasks.project import parse

FUZZ = settings(
    max_examples=int(os.environ.get("DAGWRIGHT_FUZZ_EXAMPLES", "100")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: the keys dbt reads at the several levels of its YAML files
PROJECT_KEYS = (
    "name", "version", "config-version", "profile", "model-paths", "seed-paths", "macro-paths",
    "test-paths", "snapshot-paths", "analysis-paths", "docs-paths", "target-path", "log-path",
    "packages-install-path", "clean-targets", "vars", "models", "seeds", "snapshots", "data_tests",
    "tests", "sources", "exposures", "unit_tests", "on-run-start", "on-run-end", "dispatch", "quoting",
    "require-dbt-version", "query-comment", "flags", "metrics", "semantic-models", "saved-queries",
)  # fmt: skip
CONFIG_KEYS = (
    "+materialized", "+schema", "+database", "+alias", "+tags", "+meta", "+enabled", "+docs",
    "+persist_docs", "+pre-hook", "+post-hook", "+grants", "+contract", "+unique_key",
    "+incremental_strategy", "+on_schema_change", "+full_refresh", "+column_types", "+quote_columns",
    "+event_time", "+group", "+access", "+severity", "+store_failures", "+where", "+limit",
    "+quoting", "+freshness", "+loaded_at_field", "proj", "m", "staging",
)  # fmt: skip
PROPERTY_KEYS = (
    "name", "description", "columns", "config", "tests", "data_tests", "meta", "tags", "docs",
    "versions", "latest_version", "v", "access", "group", "constraints", "data_type", "quote",
    "tables", "schema", "database", "loader", "loaded_at_field", "freshness", "identifier",
    "materialized", "enabled", "unique_key", "arguments", "not_null", "unique", "accepted_values",
    "relationships", "values", "to", "field", "given", "expect", "input", "rows", "model", "overrides",
    "type", "owner", "depends_on", "label", "url", "maturity", "contract", "enforced", "columns",
)  # fmt: skip
PROPERTY_TOP = (
    "models", "sources", "seeds", "snapshots", "macros", "exposures", "unit_tests", "analyses",
    "groups", "semantic_models", "metrics", "saved_queries", "data_tests",
)  # fmt: skip

ODD_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63, -(2**63) - 1, 10**30, 0, -1, float("nan"), float("inf")]),
    st.floats(allow_nan=False),
    st.sampled_from(["m", "proj", "table", "view", "", "x" * 300, "a\x00b", "{{ 1 }}", "{{ oops", "*"]),
    st.text(max_size=12),
)
KEY = st.one_of(
    st.sampled_from(PROPERTY_KEYS + CONFIG_KEYS),
    st.integers(min_value=-3, max_value=3),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
)


def _values(keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    key = st.one_of(st.sampled_from(keys), KEY)
    return st.recursive(
        ODD_SCALARS,
        lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(key, inner, max_size=4)),
        max_leaves=12,
    )


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=False, sort_keys=False)


#: values dbt accepts for some keys: most examples start near a valid project, so the
#: parse gets past the first check and the odd value meets the code further in
_TEXT = st.sampled_from(["m", "n", "s", "raw", "id", "table", "view", "incremental", "x" * 300, "a\x00b"])
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "materialized": _TEXT,
    "+materialized": _TEXT,
    "tags": st.one_of(_TEXT, st.lists(_TEXT, max_size=2)),
    "+tags": st.one_of(_TEXT, st.lists(_TEXT, max_size=2)),
    "meta": st.dictionaries(_TEXT, ODD_SCALARS, max_size=2),
    "+meta": st.dictionaries(_TEXT, ODD_SCALARS, max_size=2),
    "config": st.fixed_dictionaries({}, optional={"materialized": _TEXT, "tags": _TEXT, "enabled": st.booleans()}),
    "columns": st.lists(
        st.fixed_dictionaries(
            {"name": _TEXT},
            optional={"data_type": _TEXT, "data_tests": st.lists(st.sampled_from(["unique", "not_null"]), max_size=2)},
        ),
        max_size=2,
    ),
    "data_tests": st.lists(
        st.one_of(
            st.sampled_from(["unique", "not_null"]),
            st.fixed_dictionaries({"accepted_values": st.fixed_dictionaries({"values": st.lists(ODD_SCALARS)})}),
            st.fixed_dictionaries({"relationships": st.fixed_dictionaries({"to": _TEXT, "field": _TEXT})}),
        ),
        max_size=2,
    ),
    "tables": st.lists(st.fixed_dictionaries({"name": _TEXT}), max_size=2),
    "versions": st.lists(st.fixed_dictionaries({"v": ODD_SCALARS}), max_size=2),
    "latest_version": ODD_SCALARS,
    "vars": st.dictionaries(_TEXT, ODD_SCALARS, max_size=3),
    "models": st.fixed_dictionaries({"proj": st.dictionaries(st.sampled_from(CONFIG_KEYS), ODD_SCALARS, max_size=3)}),
    "seeds": st.dictionaries(st.sampled_from(CONFIG_KEYS), ODD_SCALARS, max_size=3),
    "on-run-start": st.lists(st.sampled_from(["select 1", "{{ log('x') }}", "{{ oops"]), max_size=2),
    "dispatch": st.lists(st.fixed_dictionaries({"macro_namespace": _TEXT, "search_order": st.lists(_TEXT)})),
}


def _value_of(key: str, wild: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    plausible = PLAUSIBLE.get(key)
    return wild if plausible is None else st.one_of(plausible, plausible, wild)


@st.composite
def project_yml(draw: st.DrawFn) -> str:
    data: dict[Any, Any] = {"name": "proj", "version": "1.0.0", "config-version": 2, "profile": "proj"}
    for key in draw(st.lists(st.sampled_from(PROJECT_KEYS), max_size=4, unique=True)):
        data[key] = draw(_value_of(key, _values(CONFIG_KEYS)))
    return _dump(data)


@st.composite
def property_yml(draw: st.DrawFn) -> str:
    data: dict[Any, Any] = {"version": 2}
    for key in draw(st.lists(st.sampled_from(PROPERTY_TOP), min_size=1, max_size=3, unique=True)):
        entry = {}
        for entry_key in draw(st.lists(st.sampled_from(PROPERTY_KEYS), max_size=4, unique=True)):
            entry[entry_key] = draw(_value_of(entry_key, _values(PROPERTY_KEYS)))
        if draw(st.integers(0, 7)):
            entry["name"] = draw(st.sampled_from(["m", "n", "raw", "x" * 300]))
        data[key] = [entry] if draw(st.integers(0, 4)) else draw(_values(PROPERTY_KEYS))
    return _dump(data)


JINJA_SNIPPETS = (
    "{{ config(materialized=VALUE) }}",
    "{{ config(VALUE) }}",
    "{{ config(tags=VALUE, meta={'k': VALUE}) }}",
    "{{ ref(VALUE) }}",
    "{{ ref('n', VALUE) }}",
    "{{ source(VALUE, VALUE) }}",
    "{{ var(VALUE, 1) }}",
    "{{ env_var(VALUE, 'x') }}",
    "{% set x = VALUE %}{{ x }}",
    "{% if VALUE %}1{% else %}2{% endif %}",
    "{% for i in VALUE %}{{ i }}{% endfor %}",
    "{{ VALUE }}",
    "{{ this }}",
    "{% macro m() %}{% endmacro %}",
    "{{ ",
    "{% endif %}",
    "{# comment",
)
JINJA_VALUES = (
    "'m'", "'n'", "None", "1", "[1, 2]", "{'a': 1}", "'table'", "'view'", "'x' * 300", "'a\\x00b'",
    "99999999999999999999999", "-1", "'{{'", "undefined_name", "'incremental'", "'ephemeral'",
)  # fmt: skip


@st.composite
def model_sql(draw: st.DrawFn) -> str:
    parts = []
    for snippet in draw(st.lists(st.sampled_from(JINJA_SNIPPETS), min_size=1, max_size=3)):
        while "VALUE" in snippet:
            snippet = snippet.replace("VALUE", draw(st.sampled_from(JINJA_VALUES)), 1)
        parts.append(snippet)
    return "\n".join([*parts, "select 1 as id"])


def _parse_outcome(files: Mapping[str, str]) -> str:
    """``dagwright parse`` in-process on a project of ``files``: 'ok' or the DagwrightError's
    text; any other exception fails the test with the project's files and the traceback."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        project = write_project(Path(tmp), {"models/n.sql": "select 1 as id\n", **files})
        os.environ.update(project.env)
        flags = Flags("parse", project_dir=str(project.root), profiles_dir=str(project.root))
        try:
            parse(flags, lambda *args, **kwargs: None)
        except DagwrightError as exc:
            return str(exc)
        except Exception as exc:  # the bug this file is here to catch
            shown = "\n".join(f"--- {path}\n{text}" for path, text in files.items())
            pytest.fail(f"{type(exc).__name__}: {exc}\n{shown}\n{''.join(traceback.format_exception(exc))}")
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return "ok"


@FUZZ
@given(project=project_yml())
def test_fuzzed_dbt_project_yml_parses_or_errors_clearly(project: str) -> None:
    _parse_outcome({"dbt_project.yml": project, "models/m.sql": "select 1 as id\n"})


@FUZZ
@given(properties=property_yml())
def test_fuzzed_property_file_parses_or_errors_clearly(properties: str) -> None:
    _parse_outcome({"models/schema.yml": properties, "models/m.sql": "select 1 as id\n"})


@FUZZ
@given(sql=model_sql(), properties=st.one_of(st.none(), property_yml()))
def test_fuzzed_jinja_model_parses_or_errors_clearly(sql: str, properties: str | None) -> None:
    files = {"models/m.sql": sql}
    if properties is not None:
        files["models/schema.yml"] = properties
    _parse_outcome(files)


def test_the_default_project_parses() -> None:
    # the fuzzed projects start from this one: it must parse, or every example is an error
    assert _parse_outcome({"dbt_project.yml": DEFAULT_PROJECT_YML, "models/m.sql": "select 1 as id\n"}) == "ok"


PROJECT = DEFAULT_PROJECT_YML
LONG = "x" * 300

#: the crashes issue 22 listed, and those the fuzzing found: each now a clear error
REGRESSIONS = [
    ("quoting-list", {"dbt_project.yml": PROJECT + "quoting: [1]\n"}, "dbt_project.yml:5: 'quoting' must be a mapping"),
    ("quoting-int", {"dbt_project.yml": PROJECT + "quoting: 5\n"}, "'quoting' must be a mapping, got int"),
    ("nul-target-path", {"dbt_project.yml": PROJECT + 'target-path: "a\\x00b"\n'}, "'target-path' holds a NUL byte"),
    ("long-install-path", {"dbt_project.yml": PROJECT + f"packages-install-path: {LONG}\n"}, "longer than 255 bytes"),
    (
        "mapping-target-path",
        {"dbt_project.yml": PROJECT + "target-path: {a: 1}\n"},
        "'target-path' must be a folder name",
    ),
    ("nul-model-path", {"dbt_project.yml": PROJECT + 'model-paths: [m, "\\x00"]\n'}, "'model-paths[1]' holds a NUL"),
    ("nul-model-path-text", {"dbt_project.yml": PROJECT + 'model-paths: "a\\x00b"\n'}, "'model-paths' holds a NUL"),
    (
        "docs-list",
        {"dbt_project.yml": PROJECT + "models:\n  proj:\n    +docs: [1]\n"},
        ":7: 'models.proj.+docs' must be a mapping",
    ),
    ("tags-nested", {"dbt_project.yml": PROJECT + "seeds:\n  +tags: [[1]]\n"}, "'seeds.+tags' must be a tag or a list"),
    (
        "config-call-list",
        {"models/m.sql": "{{ config(materialized=[1, 2]) }}\nselect 1 as id\n"},
        "models/m.sql in model.proj.m: config 'materialized' must be text, got a list",
    ),
    (
        "config-call-undefined",
        {"models/m.sql": "{% set x = 1 %}{{ config(materialized=undefined_name) }}\nselect 1 as id\n"},
        "config 'materialized': 'undefined_name' is undefined",
    ),
    ("project-materialized-list", {"dbt_project.yml": PROJECT + "models:\n  +materialized: [1]\n"}, "must be text"),
    (
        "env-var-name-not-text",
        {"models/m.sql": "{% set x = 1 %}{{ env_var(1, 'x') }}\nselect 1 as id\n"},
        "an environment variable's name must be text, not int",
    ),
    (
        "semantic-model-meta-list",
        {"models/s.yml": "version: 2\nsemantic_models:\n  - name: s\n    meta: [1]\n"},
        "models/s.yml:4: 'semantic_models[0].meta' must be a mapping, got a list",
    ),
    (
        "columns-of-null",
        {"models/s.yml": "version: 2\nexposures:\n  - name: e\n    columns: [null]\n"},
        "models/s.yml:4: 'exposures[0].columns' must be a list of mappings, not of nulls",
    ),
    (
        "constraint-not-a-mapping",
        {"models/s.yml": "version: 2\nmodels:\n  - name: m\n    constraints: [primary_key]\n"},
        "models/s.yml:4: 'models[0].constraints' must be a list of mappings, not of str",
    ),
    (
        "source-config-text",
        {"models/s.yml": "version: 2\nsources:\n  - name: s\n    config: m\n"},
        "models/s.yml:4: 'sources[0].config' must be a mapping, got str",
    ),
    (
        "column-meta-list",
        {"models/s.yml": "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: x\n        meta: [1]\n"},
        "models/s.yml:6: 'models[0].columns[0].meta' must be a mapping, got a list",
    ),
]


@pytest.mark.parametrize(("files", "expected"), [(f, e) for _, f, e in REGRESSIONS], ids=[i for i, _, _ in REGRESSIONS])
def test_malformed_input_is_a_clear_error(files: dict[str, str], expected: str) -> None:
    outcome = _parse_outcome({"models/m.sql": "select 1 as id\n", **files})
    assert expected in outcome, outcome


def test_an_integer_past_64_bits_is_written_as_dbt_writes_it() -> None:
    # JSON holds it; orjson cannot write it: the manifest falls back to the standard library
    big = 10**30
    project_yml = PROJECT + f"models:\n  +meta:\n    big: {big}\n    nan: .nan\n    1: one\n"
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        project = write_project(Path(tmp), {"dbt_project.yml": project_yml, "models/m.sql": "select 1 as id\n"})
        os.environ.update(project.env)
        try:
            parse(Flags("parse", project_dir=str(project.root), profiles_dir=str(project.root)), lambda *a, **k: None)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        meta = json.loads((project.target / "manifest.json").read_text())["nodes"]["model.proj.m"]["config"]["meta"]
    assert meta == {"big": big, "nan": None, "1": "one"}


def test_the_cli_exits_2_without_a_traceback(make_project) -> None:
    project = make_project(
        {"dbt_project.yml": PROJECT + f"packages-install-path: {LONG}\n", "models/m.sql": "select 1"}
    )
    result = project.run("parse")
    assert result.code == 2, result
    assert "dbt_project.yml:5: 'packages-install-path' has a name longer than 255 bytes" in result.stderr, result
    assert "Traceback" not in result.output and "Internal error" not in result.output, result


def test_a_huge_thread_count_runs_a_worker_per_node_at_most(make_project) -> None:
    # it started threads (and drew timeline lanes) until the machine gave out
    profiles = DEFAULT_PROFILES_YML.replace("threads: 1", f"threads: {10**20}")
    project = make_project({"profiles.yml": profiles, "models/m.sql": "select 1 as id"})
    result = project.ok("run")
    assert f"Concurrency: {10**20} threads" in result.stdout, result
    assert project.query("select id from m") == [(1,)]
