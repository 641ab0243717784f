"""dbt's flags as dagwright treats each: the ``flags:`` block of dbt_project.yml, command-line
options, and ``DBT_*`` environment variables (dbt 1.11 reads ``DBT_ENGINE_<NAME>`` first, then
``DBT_<NAME>``; a command-line option wins over both).

Every flag is in one of these tables: honoured (the CLI reads its variable, ``Session``
its ``flags:`` entry), of no effect in dagwright (what it tunes does not exist here), or
reported: an error where ignoring it changes an outcome (``--empty`` builds every model
empty), an item of the warning line otherwise. A flag not in any table is unknown to dbt too
(dbt accepts any name under ``flags:``): it is reported as such.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagwright.parse.unsupported_scope import (
    RUNS,
    Feature,
    Finding,
    Scope,
    env_value,
    truthy,
)

#: ``flags:`` entries dagwright honours as dbt does
HONOURED_FLAGS = frozenset(
    {
        "fail_fast",
        "indirect_selection",
        "version_check",
        "require_ref_searches_node_package_before_root",
        "require_explicit_package_overrides_for_builtin_materializations",
        "source_freshness_run_project_hooks",  # the warning line says when hooks are not run
        "warn_error",  # project/warn_error.py
        "warn_error_options",
    }
)
#: ``flags:`` entries that tune what dagwright does not have (dbt's tracking, partial parsing,
#: its parsers and caches), govern features reported elsewhere (semantic layer,
#: microbatch, deprecation events), or tune only the look of the output (colours, width, the
#: log file: followed by LOGGING_COMMANDS, report/log_settings.py)
NO_EFFECT_FLAGS = frozenset(
    {
        "send_anonymous_usage_stats",
        "partial_parse",
        "static_parser",
        "use_experimental_parser",
        "populate_cache",
        "cache_selected_only",
        "use_colors",
        "use_colors_file",
        "printer_width",
        "require_yaml_configuration_for_mf_time_spines",
        "require_nested_cumulative_type_params",
        "require_batched_execution_for_custom_microbatch_strategy",
        "require_event_names_in_deprecations",
        "require_all_warnings_handled_by_warn_error",
        "require_resource_names_without_spaces",
        "log_format_file",  # honoured by LOGGING_COMMANDS (report/log_settings.py)
        "log_level_file",
    }
)
#: the commands that follow dbt's logging flags, options and variables (report/log_output.py;
#: outside the run family report/command_log.py and report/freshness_log.py)
LOGGING_COMMANDS = RUNS | {"retry", "parse", "ls", "compile", "show", "run-operation", "freshness"}
#: commands that follow the logging flags but not ``write_json`` (``--write-json`` is not one of
#: their options; the flag and its variable are reported)
WITHOUT_WRITE_JSON = frozenset({"generate", "clone", "debug", "deps", "clean", "init"})
LOGGING_COMMANDS |= WITHOUT_WRITE_JSON
#: ``flags:`` entries about dbt's output, with dbt's default: honoured by LOGGING_COMMANDS,
#: reported in the warning line elsewhere when set otherwise (that command's output does not change)
OUTPUT_FLAGS: dict[str, Any] = {"debug": False, "log_format": "default", "log_level": "info", "write_json": True}
#: of OUTPUT_FLAGS, those LOGGING_COMMANDS honour (``debug`` is dagwright's --debug: tracebacks)
LOGGING_FLAGS = frozenset({"log_format", "log_level", "write_json"})
#: behaviour flags dagwright follows at dbt's default only: (default, error-in commands when set otherwise)
BEHAVIOUR_FLAGS: dict[str, tuple[bool, frozenset[str]]] = {
    "skip_nodes_if_on_run_start_fails": (False, RUNS),
    "require_generic_test_arguments_property": (True, frozenset()),
    "validate_macro_args": (False, frozenset()),
    "require_unique_project_resource_names": (False, frozenset()),
    # how state:modified compares (graph/state_methods.py follows dbt's defaults): a warning
    "state_modified_compare_more_unrendered_values": (False, frozenset()),
    "state_modified_compare_vars": (False, frozenset()),
}

BEHAVIOUR = Feature("behaviour flag", "behaviour flags", "dagwright follows dbt's default here; remove the flag")

#: environment variables (without DBT_/DBT_ENGINE_) that change what dbt does, with no option here
_ENV_ERRORS: dict[str, Feature] = {}
#: environment variables about dbt's output that dagwright does not honour:
#: reported in the warning line when their value asks for something else than dbt's default
#: (those about dbt's log file, colours, tracking or parser have no effect and are not); the
#: output ones (``_LOGGING_ENV``) are honoured by LOGGING_COMMANDS
_ENV_WARNINGS: dict[str, Callable[[str], bool]] = {
    "QUIET": truthy,
    "PRINT": lambda value: not truthy(value),
    "NO_PRINT": truthy,
    "WRITE_JSON": lambda value: not truthy(value),
    "LOG_LEVEL": lambda value: value.strip().lower() not in ("", "info"),
}
_LOGGING_ENV = frozenset({"QUIET", "PRINT", "NO_PRINT", "WRITE_JSON", "LOG_LEVEL"})


def option_findings(scope: Scope) -> list[tuple[Feature, Finding]]:
    """The flags, options and environment variables that stop this command."""
    out: list[tuple[Feature, Finding]] = []
    flags = scope.project.raw.get("flags")
    flags = flags if isinstance(flags, Mapping) else {}
    project = str(scope.project.path.name)
    command = scope.command
    for name, (default, errors_in) in BEHAVIOUR_FLAGS.items():
        if name in flags and bool(flags[name]) != default and command in errors_in:
            out.append((BEHAVIOUR, Finding(project, None, f"flags: {name}: {flags[name]}")))
    for name, feature in _ENV_ERRORS.items():
        value = env_value(scope.environ, name)
        if command in feature.errors_in and value is not None and value != "" and value.lower() != "false":
            out.append((feature, Finding(None, None, f"DBT_{name}={value}")))
    return out


def option_warnings(scope: Scope) -> list[str]:
    """Items of the warning line: flags and variables set that dagwright does not honour."""
    out = []
    flags = scope.project.raw.get("flags")
    if isinstance(flags, Mapping):
        for name, value in flags.items():
            name = str(name)
            if name in HONOURED_FLAGS or name in NO_EFFECT_FLAGS:
                continue
            if name in BEHAVIOUR_FLAGS:
                default, errors_in = BEHAVIOUR_FLAGS[name]
                if bool(value) != default and scope.command not in errors_in:
                    out.append(f"flag {name}: {value}")
            elif name in OUTPUT_FLAGS:
                if name in LOGGING_FLAGS and scope.command in LOGGING_COMMANDS and not _keeps_json(name, scope):
                    continue
                if value != OUTPUT_FLAGS[name]:
                    out.append(f"flag {name}")
            else:
                out.append(f"unknown flag {name}")
    for name, differs in _ENV_WARNINGS.items():
        if name in _LOGGING_ENV and scope.command in LOGGING_COMMANDS and not _keeps_json(name.lower(), scope):
            continue
        value = env_value(scope.environ, name)
        if value is not None and differs(value):
            out.append(f"DBT_{name}")
    return out


def _keeps_json(name: str, scope: Scope) -> bool:
    """``write_json`` on a command that does not follow it."""
    return name == "write_json" and scope.command in WITHOUT_WRITE_JSON
