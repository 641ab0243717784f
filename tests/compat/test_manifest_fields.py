"""manifest.json fields against dbt-core + dbt-duckdb: `parse` runs with both tools on a case's
project, each on its own copy, and the fields below are compared node by node.

The harness of test_compat.py compares tables and statuses; what packages that introspect a
project read (depends_on.macros, access, group, contract, constraints, the operations'
schema, exposures, groups, the parent and child maps), what YAML Jinja renders into config
and columns, and relation names under the project's and the sources' ``quoting:``
(``relation_name``, a test's quoted ``column_name``) are only in the manifest. Fields
dagwright leaves out on purpose are not compared: the ``macros`` section (dagwright's own
macros are not dbt's: ids differ, e.g. ``dbt_duckdb`` macros), ``created_at``,
``unrendered_config``, checksums.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .conftest import COMMAND_TIMEOUT, PROJECTS_DIR, Tools, load_case, prepare_workspace, tool_env

#: node fields compared (dotted paths), for every node both tools have
NODE_FIELDS = (
    "resource_type",
    "relation_name",
    "column_name",
    "schema",
    "database",
    "alias",
    "depends_on",
    "access",
    "group",
    "contract",
    "constraints",
    "config.enabled",
    "config.materialized",
    "config.severity",
    "config.where",
    "config.limit",
    "config.tags",
    "config.meta",
    "config.group",
    "config.access",
    "config.contract",
    "config.column_types",
    "config.quote_columns",
    "config.pre-hook",
    "config.strategy",
    "config.schema",
    "tags",
    "columns",
    "description",
)
#: fields of each exposure and group
EXPOSURE_FIELDS = (
    "name",
    "resource_type",
    "package_name",
    "path",
    "original_file_path",
    "unique_id",
    "fqn",
    "type",
    "owner",
    "description",
    "label",
    "maturity",
    "meta",
    "tags",
    "config",
    "url",
    "depends_on",
    "refs",
    "sources",
    "metrics",
)
GROUP_FIELDS = (
    "name",
    "resource_type",
    "package_name",
    "path",
    "original_file_path",
    "unique_id",
    "owner",
    "description",
    "config",
)


def _parse(tools: Tools, tool: str, case_name: str, root: Path) -> dict[str, Any]:
    case = load_case(PROJECTS_DIR / case_name)
    ws = prepare_workspace(case, tool, root)
    argv = [tools.executable(tool), "parse", "--project-dir", str(ws.project), "--profiles-dir", str(ws.profiles_dir)]
    argv += ["--vars", json.dumps(case.vars)] if case.vars else []
    done = subprocess.run(
        argv,
        cwd=ws.project,
        env=tool_env(case, ws.home),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"{tool} parse:\n{done.stdout}\n{done.stderr}"
    return json.loads((ws.project / "target" / "manifest.json").read_text(encoding="utf-8"))


def _get(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _hooks_without_index(value: Any) -> Any:
    """dbt leaves a YAML hook's index out until it runs (null); dagwright numbers it."""
    if isinstance(value, list):
        return [{k: v for k, v in h.items() if k != "index"} if isinstance(h, dict) else h for h in value]
    return value


def _differences(dbt: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    problems = []
    dbt_nodes = {**dbt["nodes"], **{k: v[0] for k, v in dbt["disabled"].items()}}
    our_nodes = {**ours["nodes"], **{k: v[0] for k, v in ours["disabled"].items()}}
    if set(dbt_nodes) != set(our_nodes):
        problems.append(
            f"node ids: dbt only {sorted(set(dbt_nodes) - set(our_nodes))}, "
            f"dagwright only {sorted(set(our_nodes) - set(dbt_nodes))}"
        )
    for uid in sorted(set(dbt_nodes) & set(our_nodes)):
        for field in NODE_FIELDS:
            expected, actual = _get(dbt_nodes[uid], field), _get(our_nodes[uid], field)
            if field == "config.pre-hook":
                expected, actual = _hooks_without_index(expected), _hooks_without_index(actual)
            if field == "depends_on" and expected and actual:
                # dbt's static parser returns a model's sources in no fixed order
                expected = {**expected, "nodes": sorted(expected.get("nodes") or [])}
                actual = {**actual, "nodes": sorted(actual.get("nodes") or [])}
            if expected != actual:
                problems.append(f"{uid} {field}: dbt {expected!r}, dagwright {actual!r}")
    if dbt["metadata"]["quoting"] != ours["metadata"]["quoting"]:
        problems.append(f"metadata.quoting: dbt {dbt['metadata']['quoting']}, dagwright {ours['metadata']['quoting']}")
    for uid in sorted(set(dbt["sources"]) | set(ours["sources"])):
        expected, actual = dbt["sources"].get(uid) or {}, ours["sources"].get(uid) or {}
        for field in ("relation_name", "quoting", "columns", "meta", "source_meta"):
            if expected.get(field) != actual.get(field):
                problems.append(f"{uid} {field}: dbt {expected.get(field)!r}, dagwright {actual.get(field)!r}")
    for section, fields in (("exposures", EXPOSURE_FIELDS), ("groups", GROUP_FIELDS)):
        if set(dbt[section]) != set(ours[section]):
            problems.append(f"{section}: dbt {sorted(dbt[section])}, dagwright {sorted(ours[section])}")
        for uid in sorted(set(dbt[section]) & set(ours[section])):
            for field in fields:
                expected, actual = dbt[section][uid].get(field), ours[section][uid].get(field)
                if expected != actual:
                    problems.append(f"{uid} {field}: dbt {expected!r}, dagwright {actual!r}")
    for section in ("parent_map", "child_map", "group_map"):
        if section == "group_map":  # dbt lists a group's members in parse order
            dbt[section] = {k: sorted(v) for k, v in dbt[section].items()}
        if dbt[section] != ours[section]:
            keys = sorted(set(dbt[section]) | set(ours[section]))
            diff = [k for k in keys if dbt[section].get(k) != ours[section].get(k)]
            problems.append(f"{section} differs for {diff[:10]}")
    return problems


@pytest.mark.compat
@pytest.mark.parametrize(
    "case_name", ["manifest_graph", "yaml_jinja", "project_quoting", "duckdb_external_sources", "sources"]
)
def test_manifest_fields_as_dbt(compat_tools: Tools, tmp_path: Path, case_name: str) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {t: pool.submit(_parse, compat_tools, t, case_name, tmp_path / t) for t in ("dbt", "dagwright")}
        dbt, ours = futures["dbt"].result(), futures["dagwright"].result()
    assert dbt["nodes"], "dbt parsed no nodes: the case project is broken"
    problems = _differences(dbt, ours)
    assert not problems, "\n".join(problems)
