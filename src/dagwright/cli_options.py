"""The options the commands share, and how a command line becomes ``Flags`` and a task's
exit: the part of the command line every command uses (``cli.py`` declares the commands)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import click

from dagwright.cli_logging import OUTPUT_OPTIONS, merged, output_options
from dagwright.errors import DagwrightError
from dagwright.rendering.sample import SampleError, absolute_text, sample_window
from dagwright.session import Flags


def echo(text: str) -> None:
    click.echo(text)


def env_names(name: str) -> list[str]:
    """The environment variables dbt 1.11 reads for an option: ``DBT_ENGINE_<NAME>``, then ``DBT_<NAME>``."""
    return [f"DBT_ENGINE_{name}", f"DBT_{name}"]


#: dbt's options about its parser: accepted, of no effect (dagwright's parse cache re-reads what
#: changed, and it reads refs and configs statically where it can: the manifest is the same);
#: orchestrators pass them (Cosmos: ``dbt --no-partial-parse run``), before or after the command
PARSER_OPTIONS = ("partial_parse", "static_parser")


def parser_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--partial-parse/--no-partial-parse",
            envvar=env_names("PARTIAL_PARSE"),
            default=None,
            help="Accepted (no effect: dagwright's parse cache re-reads what changed).",
        ),
        click.option(
            "--static-parser/--no-static-parser",
            envvar=env_names("STATIC_PARSER"),
            default=None,
            help="Accepted (no effect: the manifest is the same).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    func = parser_options(func)
    options = [
        click.option(
            "--project-dir", envvar=env_names("PROJECT_DIR"), default=None, help="Folder with dbt_project.yml."
        ),
        click.option(
            "--profiles-dir", envvar=env_names("PROFILES_DIR"), default=None, help="Folder with profiles.yml."
        ),
        click.option(
            "--profile", envvar=env_names("PROFILE"), default=None, help="Profile (default: dbt_project.yml's)."
        ),
        click.option("--target", "-t", envvar=env_names("TARGET"), default=None, help="Target in the profile."),
        click.option("--vars", default=None, help="Vars as YAML or JSON, e.g. '{my_var: 1}'."),
        click.option("--target-path", envvar=env_names("TARGET_PATH"), default=None, help="Where artifacts go."),
        click.option("--debug", "-d", envvar=env_names("DEBUG"), is_flag=True, default=False, help="Show tracebacks."),
        click.option(
            "--version-check/--no-version-check",
            envvar=env_names("VERSION_CHECK"),
            default=None,
            help="Check require-dbt-version (default: yes).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def warn_error(func: Callable[..., Any]) -> Callable[..., Any]:
    """dbt's --warn-error options (project/warn_error.py): None when not given, so that
    dbt_project.yml's ``flags:`` decide."""
    options = [
        click.option(
            "--warn-error",
            envvar=env_names("WARN_ERROR"),
            is_flag=True,
            default=None,
            help="Turn warnings into errors.",
        ),
        click.option(
            "--warn-error-options",
            envvar=env_names("WARN_ERROR_OPTIONS"),
            default=None,
            help="Which warnings become errors, as YAML: '{error: all|[names], warn: [names], silence: [names]}'.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def selection(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--select", "-s", "-m", "--models", multiple=True, help="Nodes to include."),
        click.option("--exclude", multiple=True, help="Nodes to leave out."),
        click.option(
            "--indirect-selection",
            envvar=env_names("INDIRECT_SELECTION"),
            type=click.Choice(["eager", "cautious", "buildable", "empty"], case_sensitive=False),
            default=None,
            help="How tests join the selection with the nodes they test (default: eager).",
        ),
        click.option("--selector", default=None, help="A selector of selectors.yml (instead of --select/--exclude)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def execution(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--threads", type=int, default=None, help="Worker threads (default: profile's)."),
        click.option(
            "--fail-fast/--no-fail-fast",
            "-x",
            envvar=env_names("FAIL_FAST"),
            default=None,
            help="Stop at the first failure.",
        ),
        click.option(
            "--full-refresh",
            "-f",
            envvar=env_names("FULL_REFRESH"),
            is_flag=True,
            default=False,
            help="Rebuild incremental models.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return output_options(func)


def resource_types(func: Callable[..., Any]) -> Callable[..., Any]:
    """--resource-type / --exclude-resource-type (test, build, ls), with dbt's variables."""
    options = [
        click.option(
            "--resource-type",
            "--resource-types",
            envvar=env_names("RESOURCE_TYPES"),
            multiple=True,
            help="Only these types: model, seed, snapshot, test, unit_test, source, ...",
        ),
        click.option(
            "--exclude-resource-type",
            "--exclude-resource-types",
            envvar=env_names("EXCLUDE_RESOURCE_TYPES"),
            multiple=True,
            help="Leave these types out, e.g. unit_test.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def store_failures(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store-failures",
        envvar=env_names("STORE_FAILURES"),
        is_flag=True,
        default=False,
        help="Store each test's failing rows in its audit schema.",
    )(func)


def empty(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--empty",
        envvar=env_names("EMPTY"),
        is_flag=True,
        default=False,
        help="Build every model from inputs with no rows (refs and sources read as zero rows).",
    )(func)


def _checked_sample(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--sample's window as absolute bounds: a relative one ends now, when the command line is
    read, as in dbt; refused here (dbt: click's usage error, exit 2) when it names no window."""
    if value is None:
        return None
    try:
        return absolute_text(sample_window(value, dt.datetime.now(dt.timezone.utc)))
    except SampleError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


def sample(func: Callable[..., Any]) -> Callable[..., Any]:
    """dbt's --sample: refs and sources with event_time read only the rows of a window."""
    return click.option(
        "--sample",
        envvar=env_names("SAMPLE"),
        default=None,
        callback=_checked_sample,
        help="Sample mode: inputs with an event_time read only a window's rows, "
        "as '3 days' (hour, day, month, year) before the run's start or \"{'start': ..., 'end': ...}\".",
    )(func)


def event_time(func: Callable[..., Any]) -> Callable[..., Any]:
    """dbt's --event-time-start / --event-time-end: the window microbatch models build."""
    for name, help_text in (
        ("end", "The end (exclusive) of the window microbatch models build (UTC)."),
        ("start", "The start (inclusive) of the window microbatch models build (UTC)."),
    ):
        option = click.option(
            f"--event-time-{name}",
            envvar=env_names(f"EVENT_TIME_{name.upper()}"),
            type=click.DateTime(),
            default=None,
            help=help_text,
        )
        func = option(func)
    return func


_STATE_OPTIONS = (
    (("--state",), "STATE", "A previous run's target/ folder: state: selectors compare with it."),
    (("--defer/--no-defer",), "DEFER", "Refs to nodes not built in this target read the state's relations."),
    (("--defer-state",), "DEFER_STATE", "The target/ folder to defer to (default: --state)."),
    (("--favor-state/--no-favor-state",), "FAVOR_STATE", "With --defer: the state's relations even where built here."),
)


def state(func: Callable[..., Any]) -> Callable[..., Any]:
    for names, env, text in reversed(_STATE_OPTIONS):
        func = click.option(*names, envvar=env_names(env), default=None, help=text)(func)
    return func


def split_words(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out.extend(v for v in value.split() if v)
    return tuple(out)


#: the options Flags has a field for (--resource-type fills resource_types); every other
#: option a command was given goes to Flags.extra
_FLAG_OPTIONS = frozenset({f.name for f in fields(Flags)} | {"resource_type", "exclude_resource_type"})


def flags_of(command: str, kwargs: dict[str, Any], **extra: Any) -> Flags:
    """The command line as a task sees it. Options of some commands only (--log-format,
    --run-results...), and the dbt options dagwright accepts only to report them, go to
    ``extra`` when given, with ``extra``'s values (a command's arguments)."""
    kwargs = merged(kwargs, command)
    debug = bool(kwargs.get("debug")) or os.environ.get("DAGWRIGHT_DEBUG") == "1"
    fail_fast = kwargs.get("fail_fast")
    return Flags(
        command=command,
        project_dir=kwargs.get("project_dir"),
        profiles_dir=kwargs.get("profiles_dir"),
        target=kwargs.get("target"),
        vars=kwargs.get("vars"),
        threads=kwargs.get("threads"),
        select=split_words(kwargs.get("select") or ()),
        exclude=split_words(kwargs.get("exclude") or ()),
        full_refresh=bool(kwargs.get("full_refresh")),
        fail_fast=None if fail_fast is None else bool(fail_fast),
        target_path=kwargs.get("target_path"),
        debug=debug,
        resource_types=split_words(tuple(t.lower() for t in kwargs.get("resource_type") or ())),
        exclude_resource_types=split_words(tuple(t.lower() for t in kwargs.get("exclude_resource_type") or ())),
        output=kwargs.get("output") or "selector",
        profile=kwargs.get("profile"),
        indirect_selection=(kwargs.get("indirect_selection") or "").lower() or None,
        version_check=kwargs.get("version_check"),
        store_failures=bool(kwargs.get("store_failures")),
        warn_error=kwargs.get("warn_error"),
        warn_error_options=kwargs.get("warn_error_options") or None,
        event_time_start=kwargs.get("event_time_start"),
        event_time_end=kwargs.get("event_time_end"),
        sample=kwargs.get("sample"),
        extra={
            **{
                k: v
                for k, v in kwargs.items()
                # `is`, not `in`: a value of 0 (``--port 0``) is given, unlike False
                if k not in _FLAG_OPTIONS
                and ((v is not None and v is not False and v != ()) or (k in OUTPUT_OPTIONS and v is False))
            },
            **extra,
        },
    )


def run_task(task: Callable[[Flags], int], flags: Flags) -> None:
    try:
        code = task(flags)
    except DagwrightError as exc:
        if flags.debug:
            traceback.print_exc()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # stdout was closed early (`dagwright ls | head -1`): not a dagwright error.
        # Point stdout at /dev/null so the flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(141)  # 128 + SIGPIPE, as a shell reports a process killed by SIGPIPE
    except Exception as exc:  # a bug in dagwright: say so plainly
        if flags.debug:
            traceback.print_exc()
        click.echo(f"Internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(2)
    sys.exit(code)
