"""dbt features dagwright does not implement yet: one table, and how each one is reported.

Never silent. A feature whose absence would change an outcome a user relies on stops the
command before anything runs (``UnsupportedFeatureError``, exit 2: no statement reaches the
warehouse, nothing is written but what parsing writes), naming the file, the line where known,
the feature and what to do. Everything else that is present and ignored is counted in one
warning line after parsing::

    ignored: 2 persist_docs — not implemented

``FEATURES`` is the table: per feature, how it is found, in which commands it is an error, and
what to do. When a later change implements a feature, its row is deleted.

How it stays cheap: what a project holds (YAML sections, unit tests, constraints, versions) is
collected once per parse (``collect_unsupported``) and cached with the manifest; a command
then looks only at the nodes it selected, reading their config (a few dictionary lookups
each); dbt_project.yml, flags and environment variables are looked up by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.materializations import (
    BUILTIN,
    CUSTOM_ENGINES,
    PACKAGE_OVERRIDE_FLAG,
    used_by_dbt,
)
from dagwright.parse.nodes import Node
from dagwright.parse.unsupported_bigquery import policy_tags, rejected_strategies, unsupported_configs
from dagwright.parse.unsupported_catalog import grants_ignored
from dagwright.parse.unsupported_options import option_findings, option_warnings
from dagwright.parse.unsupported_scope import (
    NODE_KEYS,
    RUNS,
    RUNS_OR_COMPILES,
    Feature,
    Finding,
    Scope,
    truthy,
)
from dagwright.project.yamlio import line_of

#: most lines an error lists before "... and N more"
_MAX_LINES = 20


class UnsupportedFeatureError(ProjectError):
    """The command needs dbt features dagwright does not implement: nothing was run."""


# -- where things are ---------------------------------------------------------------------------


def _yaml_finding(occurrence: Mapping[str, Any], what: str) -> Finding:
    """A finding at a YAML occurrence's file and line (the file is read again only for an error)."""
    path, keypath = occurrence.get("path"), occurrence.get("keypath")
    line = line_of(Path(path), tuple(keypath)) if path and keypath else None
    return Finding(str(occurrence["file"]), line, what)


def _label(node: Node) -> str:
    return f"{node.resource_type} '{node.name}'"


# -- detections ---------------------------------------------------------------------------------


def _on_nodes(
    predicate: Callable[[Node, Scope], str | None], types: tuple[str, ...] = (), keys: tuple[str, ...] = ()
) -> Callable[..., Any]:
    """A ``selected`` detector: ``predicate(node)`` describes the use, or is None. It is asked
    about the selected nodes of ``types`` that are not plain (``Scope.candidates``) and, when
    ``keys`` are given, set one of these config keys."""
    key_set = frozenset(keys)
    NODE_KEYS.update(keys)

    def detect(scope: Scope) -> list[Finding]:
        out = []
        for node in scope.candidates():
            if key_set and key_set.isdisjoint(node.config):
                continue
            if types and node.resource_type not in types:
                continue
            what = predicate(node, scope)
            if what is not None:
                out.append(Finding(node.original_file_path, None, f"{_label(node)} {what}"))
        return out

    return detect


def _parsed_on_nodes(
    feature: str, what: str, applies: Callable[[Node], bool] = lambda node: True
) -> Callable[[Scope], list[Finding]]:
    """A ``selected`` detector for what parsing recorded against a node (constraints, versions),
    where it ``applies`` to that node."""

    def detect(scope: Scope) -> list[Finding]:
        found = scope.occurrences(feature)
        if not found:
            return []
        chosen = set(scope.selected)
        nodes = scope.manifest.nodes
        return [
            _yaml_finding(o, f"model '{o['name']}' {what}")
            for o in found
            if o.get("node") in chosen and o["node"] in nodes and applies(nodes[o["node"]])
        ]

    return detect


def _count(feature: str) -> Callable[[Scope], int]:
    return lambda scope: len(scope.occurrences(feature))


#: the engines dagwright runs Python models on (materialize/python_model.py): DuckDB as
#: dbt-duckdb does; Spark with the profile's session (dbt-spark would submit them to Databricks)
PYTHON_ENGINES = frozenset({"duckdb", "spark"})

#: why an engine's dbt adapter does not run a Python model where dagwright runs it
_PYTHON_ELSEWHERE = {
    "postgres": "dbt-postgres has no Python models",
    "bigquery": "dbt-bigquery runs them on Dataproc (a cluster or a serverless batch), which dagwright does not",
}


def _python(node: Node, scope: Scope) -> str | None:
    if node.language != "python" or scope.adapter_type in PYTHON_ENGINES:
        return None
    why = _PYTHON_ELSEWHERE.get(
        scope.adapter_type, f"dagwright runs Python models on DuckDB and Spark, not {scope.adapter_type}"
    )
    return f"is a Python model: {why}"


def _custom_materialization(scope: Scope) -> list[Finding]:
    """A selected node dbt would build with a project's block where dagwright does not run
    it: materialize/custom.py builds models with one on ``CUSTOM_ENGINES``, not seeds,
    snapshots or tests (a block replacing ``seed``, ``snapshot`` or ``test``)."""
    blocks = scope.materialization_blocks()
    if not blocks:
        return []
    overrides = scope.project_flag(PACKAGE_OVERRIDE_FLAG) is False
    macros = {(m.package_name, m.name): m for m in scope.manifest.macros.values()}
    out = []
    for node in scope.nodes():
        if node.resource_type == "model" and scope.adapter_type in CUSTOM_ENGINES:
            continue
        block = used_by_dbt(node.materialized, blocks, scope.adapter_type, scope.project.name, overrides)
        if block is not None:
            macro = macros.get((block.package, block.macro_name))
            at = f" ({macro.original_file_path}:{macro.line})" if macro is not None else ""
            what = f"is materialized '{node.materialized}' with a custom materialization{at}"
            out.append(Finding(node.original_file_path, None, f"{_label(node)} {what}"))
    return out


#: the engines whose dbt adapters' microbatch dagwright runs (dbt-duckdb, dbt-postgres, dbt-bigquery, dbt-spark)
MICROBATCH_ENGINES = ("duckdb", "postgres", "bigquery", "spark")
_MICROBATCH_MACROS = ("get_incremental_microbatch_sql", "default__get_incremental_microbatch_sql")


def _microbatch(node: Node, scope: Scope) -> str | None:
    if node.config.get("incremental_strategy") != "microbatch" or node.materialized != "incremental":
        return None
    if scope.adapter_type not in MICROBATCH_ENGINES:
        engine = scope.adapter_type
        built = "DuckDB, PostgreSQL, BigQuery and Spark"
        return f"is an incremental model of strategy 'microbatch' (built on {built}, not {engine})"
    own = (f"{scope.adapter_type}__get_incremental_microbatch_sql", *_MICROBATCH_MACROS)
    for macro in scope.manifest.macros.values():
        if macro.name in own and macro.package_name == scope.manifest.project_name:
            # dbt would not cut the model into batches then: it runs the project's macro once
            return f"is a microbatch model and the project defines its own {macro.name} ({macro.original_file_path})"
    return None


def _function_effects(node: Node, scope: Scope) -> str | None:
    set_keys = [key for key in ("grants", "persist_docs") if node.config.get(key)]
    return f"sets {' and '.join(set_keys)}" if set_keys else None


def _function_kind_elsewhere(node: Node, scope: Scope) -> str | None:
    kind = node.config.get("type")
    if scope.adapter_type != "bigquery" or (node.language == "sql" and kind == "scalar"):
        return None
    return f"is a {node.language} {kind} function (dagwright creates SQL scalar functions on BigQuery)"


def _unknown_keys(scope: Scope) -> str:
    """Top-level keys of property files that dbt does not know either (it ignores them on
    DuckDB and PostgreSQL; it warns on the adapters it validates YAML for)."""
    found = scope.occurrences("unknown_key")
    if not found:
        return ""
    shown = ", ".join(f"'{o['name']}' in {o['file']}" for o in found[:3]) + (", ..." if len(found) > 3 else "")
    return f"{len(found)} unknown top-level {'key' if len(found) == 1 else 'keys'} of property files ({shown})"


def _restrict_access(scope: Scope) -> int:
    return 1 if truthy(scope.project.raw.get("restrict-access")) else 0


def _freshness_hooks(scope: Scope) -> int:
    if scope.command != "freshness" or scope.project_flag("source_freshness_run_project_hooks") is False:
        return 0
    return len(scope.manifest.operations)


#: the table. Keys are stable names (the parse-time collection tags occurrences with them).
FEATURES: dict[str, Feature] = {
    "python_model": Feature(
        "Python model",
        "Python models",
        "dagwright runs Python models on DuckDB only: leave them out on this engine, e.g. "
        "--exclude 'file:*.py' (dbt accepts it too)",
        RUNS_OR_COMPILES,
        _on_nodes(_python, ("model",)),
    ),
    "custom_materialization": Feature(
        "custom materialization",
        "custom materializations",
        "dagwright runs custom materializations of models on " + ", ".join(sorted(CUSTOM_ENGINES)) + " only: "
        "leave the node out (--exclude) or use one of " + ", ".join(BUILTIN[:5]),
        RUNS,
        _custom_materialization,
    ),
    # applied on PostgreSQL, Spark and BigQuery (materialize/catalog_effects.py); DuckDB has none
    "grants": Feature("grants", "grants", "", present=grants_ignored),
    "microbatch": Feature(
        "microbatch model",
        "microbatch models on Spark and BigQuery, or with the project's own microbatch macro",
        "dbt would build it with what dagwright does not run; leave the model out (--exclude) or use another "
        "incremental_strategy",
        RUNS,
        _on_nodes(_microbatch, ("model",), keys=("incremental_strategy",)),
    ),
    "bigquery_config": Feature(
        "BigQuery config",
        "these BigQuery configs",
        "dbt-bigquery would build the table with them; remove them from the config, or leave the node out (--exclude)",
        RUNS,
        unsupported_configs,
    ),
    "bigquery_strategy": Feature(
        "incremental strategy on BigQuery",
        "incremental strategies other than merge and insert_overwrite on BigQuery",
        "dbt-bigquery accepts only 'merge' (the default: without unique_key it inserts every row, as append "
        "would), 'insert_overwrite' and 'microbatch', and fails the model otherwise",
        RUNS,
        rejected_strategies,
    ),
    "bigquery_policy_tags": Feature(
        "column policy tags on BigQuery",
        "column policy tags",
        "dbt-bigquery would attach the policy tags to the table's columns (their access control); leave "
        "the model out (--exclude), or drop policy_tags from its YAML and attach the tags yourself",
        RUNS,
        policy_tags,
    ),
    "bigquery_function_kind": Feature(
        "function kind on BigQuery",
        "aggregate, Python and JavaScript functions on BigQuery",
        "dbt-bigquery would create it with its own DDL; leave the function out (--exclude)",
        RUNS,
        _on_nodes(_function_kind_elsewhere, ("function",), keys=("type",)),
    ),
    "function_effects": Feature(
        "grants or persist_docs of a function",
        "grants and persist_docs of functions",
        "dbt applies them to the function it creates; remove them from the function's config, or leave "
        "the function out (--exclude)",
        RUNS,
        _on_nodes(_function_effects, ("function",), keys=("grants", "persist_docs")),
    ),
    "unknown_key": Feature("unknown property key", "unknown property keys", "", present=_unknown_keys),
    "profile_key": Feature("profile key", "profile keys", "", present=lambda scope: ", ".join(scope.profile_ignored)),
    "restrict_access": Feature("restrict-access", "restrict-access", "", present=_restrict_access),
    "freshness_hooks": Feature(
        "project hook (not run by source freshness)",
        "project hooks (not run by source freshness)",
        "",
        present=_freshness_hooks,
    ),
}

# -- a command's check ------------------------------------------------------------------------------


def check_command(scope: Scope) -> list[str]:
    """Raise UnsupportedFeatureError when the command would ignore what changes its outcome;
    else return the items of the warning line (see ``warning_line``)."""
    errors: list[tuple[Feature, Finding]] = []
    warnings: list[str] = []
    for feature in FEATURES.values():
        if feature.selected is not None and scope.command in feature.errors_in:
            errors += [(feature, f) for f in feature.selected(scope)]
        if feature.present is not None:
            count = feature.present(scope)
            if count:
                warnings.append(count if isinstance(count, str) else _counted(feature, count))
    errors += option_findings(scope)
    if errors:
        raise _error(errors)
    return warnings + option_warnings(scope)


def _counted(feature: Feature, count: int) -> str:
    if feature.many == feature.one:  # a setting, not things: named, not counted
        return feature.one
    return f"{count} {feature.one if count == 1 else feature.many}"


def warning_line(items: Sequence[str]) -> str | None:
    """The one line that says what this command ignores, or None."""
    return f"ignored: {', '.join(items)} — not implemented in dagwright" if items else None


def _error(errors: Sequence[tuple[Feature, Finding]]) -> UnsupportedFeatureError:
    if len(errors) == 1:
        feature, finding = errors[0]
        return UnsupportedFeatureError(
            f"{finding.what} — dagwright does not implement {feature.many} yet (nothing was run)",
            path=finding.path,
            line=finding.line,
            hint=feature.advice,
        )
    lines = [f"{len(errors)} uses of dbt features dagwright does not implement yet (nothing was run):"]
    lines += [f"  {finding.where}: {finding.what}" for _, finding in errors[:_MAX_LINES]]
    if len(errors) > _MAX_LINES:
        lines.append(f"  ... and {len(errors) - _MAX_LINES} more")
    advice = dict.fromkeys(f"{feature.one}: {feature.advice}" for feature, _ in errors)
    return UnsupportedFeatureError("\n".join(lines), hint="\n  ".join(advice))
