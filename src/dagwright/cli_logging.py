"""dbt's logging and output options on the command line: on the run-family commands, and
before the subcommand (``dagwright --log-format json run``) as dbt accepts them. Each is None
when not given, so that dbt_project.yml's ``flags:`` decide (report/log_settings.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import click

from dagwright.parse.unsupported_options import LOGGING_COMMANDS, WITHOUT_WRITE_JSON
from dagwright.report.log_settings import LOG_FORMATS, LOG_FORMATS_FILE, LOG_LEVELS

#: the options below, by their name in a command's arguments
OUTPUT_OPTIONS = (
    "log_format",
    "log_format_file",
    "log_level",
    "log_level_file",
    "log_path",
    "quiet",
    "print",
    "use_colors",
    "printer_width",
    "log_cache_events",
    "write_json",
)


def _env(name: str) -> list[str]:
    return [f"DBT_ENGINE_{name}", f"DBT_{name}"]


def log_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``output_options`` without ``--write-json/--no-write-json``."""
    return output_options(func, write_json=False)


def output_options(func: Callable[..., Any], *, write_json: bool = True) -> Callable[..., Any]:
    choice = click.Choice
    options = [
        click.option(
            "--log-format",
            envvar=_env("LOG_FORMAT"),
            type=choice(LOG_FORMATS, case_sensitive=False),
            default=None,
            help="default/text: dbt's lines (live progress on a terminal); debug; json: dbt's structured "
            "log, one event per line; dagwright-json: dagwright's own event stream.",
        ),
        click.option(
            "--log-format-file",
            envvar=_env("LOG_FORMAT_FILE"),
            type=choice(LOG_FORMATS_FILE, case_sensitive=False),
            default=None,
            help="Format of logs/dbt.log (default: debug text; json with --log-format json).",
        ),
        click.option(
            "--log-level",
            envvar=_env("LOG_LEVEL"),
            type=choice(LOG_LEVELS, case_sensitive=False),
            default=None,
            help="Least level shown on stdout (default: info).",
        ),
        click.option(
            "--log-level-file",
            envvar=_env("LOG_LEVEL_FILE"),
            type=choice(LOG_LEVELS, case_sensitive=False),
            default=None,
            help="Least level written to logs/dbt.log (default: debug; none: no file).",
        ),
        click.option("--log-path", envvar=_env("LOG_PATH"), default=None, help="Folder of dbt.log (default: logs)."),
        click.option(
            "--quiet/--no-quiet", "-q", envvar=_env("QUIET"), default=None, help="Only errors (and print()) on stdout."
        ),
        click.option("--print/--no-print", envvar=_env("PRINT"), default=None, help="Show print() output."),
        click.option("--use-colors/--no-use-colors", envvar=_env("USE_COLORS"), default=None, help="Colours."),
        click.option("--printer-width", envvar=_env("PRINTER_WIDTH"), type=int, default=None, help="Line width."),
        click.option(
            "--log-cache-events/--no-log-cache-events",
            envvar=_env("LOG_CACHE_EVENTS"),
            default=None,
            help="Accepted (dagwright logs no cache events).",
        ),
        click.option(
            "--write-json/--no-write-json",
            envvar=_env("WRITE_JSON"),
            default=None,
            help="Write run_results.json and manifest.json (default: yes).",
        ),
    ]
    if not write_json:
        options.pop()
    for option in reversed(options):
        func = option(func)
    return func


def remember_global(context: click.Context, kwargs: Mapping[str, Any]) -> None:
    """The group's options as typed on the command line (their variables are read by each
    command's own options), for the subcommand, whose own options win."""
    source = click.core.ParameterSource.COMMANDLINE
    context.obj = {k: v for k, v in kwargs.items() if context.get_parameter_source(k) == source}


def merged(kwargs: dict[str, Any], command: str) -> dict[str, Any]:
    """A command's arguments with the options given before it filled in, and dbt's legacy
    ``DBT_NO_PRINT``. Options before a command that does not honour them raise a usage error
    naming them (never silently dropped)."""
    context = click.get_current_context(silent=True)
    root = context.find_root() if context is not None else None
    given: Mapping[str, Any] = (root.obj or {}) if root is not None else {}
    out = dict(kwargs)
    early = {k: v for k, v in given.items() if v is not None}
    if command in WITHOUT_WRITE_JSON and "write_json" in early:
        raise click.UsageError(f"--write-json before the command: dagwright's {command} does not follow it")
    if early and command not in LOGGING_COMMANDS:
        names = ", ".join("--" + k.replace("_", "-") for k in sorted(early))
        raise click.UsageError(
            f"{names} before the command: dagwright honours dbt's logging options on "
            f"{', '.join(sorted(LOGGING_COMMANDS))}, not on {command}"
        )
    for name, value in early.items():
        if out.get(name) is None:
            out[name] = value
    if command in LOGGING_COMMANDS and out.get("print") is None:
        no_print = os.environ.get("DBT_ENGINE_NO_PRINT") or os.environ.get("DBT_NO_PRINT")
        if no_print is not None and no_print.strip().lower() in ("1", "true", "yes", "y", "on"):
            out["print"] = False
    return out
