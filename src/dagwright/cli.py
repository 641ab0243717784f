"""Command line: parse arguments, call a task, print, exit with its code. Nothing else."""

from __future__ import annotations

import copy
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import click

from dagwright.cli_logging import OUTPUT_OPTIONS, merged, output_options, remember_global
from dagwright.errors import DagwrightError
from dagwright.session import Flags
from dagwright.tasks.argv import expand_multi_value


def _echo(text: str) -> None:
    click.echo(text)


def _env(name: str) -> list[str]:
    """The environment variables dbt 1.11 reads for an option: ``DBT_ENGINE_<NAME>``, then ``DBT_<NAME>``."""
    return [f"DBT_ENGINE_{name}", f"DBT_{name}"]


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--project-dir", envvar=_env("PROJECT_DIR"), default=None, help="Folder with dbt_project.yml."),
        click.option("--profiles-dir", envvar=_env("PROFILES_DIR"), default=None, help="Folder with profiles.yml."),
        click.option("--profile", envvar=_env("PROFILE"), default=None, help="Profile (default: dbt_project.yml's)."),
        click.option("--target", "-t", envvar=_env("TARGET"), default=None, help="Target in the profile."),
        click.option("--vars", default=None, help="Vars as YAML or JSON, e.g. '{my_var: 1}'."),
        click.option("--target-path", envvar=_env("TARGET_PATH"), default=None, help="Where artifacts go."),
        click.option("--debug", "-d", envvar=_env("DEBUG"), is_flag=True, default=False, help="Show tracebacks."),
        click.option(
            "--version-check/--no-version-check",
            envvar=_env("VERSION_CHECK"),
            default=None,
            help="Check require-dbt-version (default: yes).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _warn_error(func: Callable[..., Any]) -> Callable[..., Any]:
    """dbt's --warn-error options (project/warn_error.py): None when not given, so that
    dbt_project.yml's ``flags:`` decide."""
    options = [
        click.option(
            "--warn-error",
            envvar=_env("WARN_ERROR"),
            is_flag=True,
            default=None,
            help="Turn warnings into errors.",
        ),
        click.option(
            "--warn-error-options",
            envvar=_env("WARN_ERROR_OPTIONS"),
            default=None,
            help="Which warnings become errors, as YAML: '{error: all|[names], warn: [names], silence: [names]}'.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _selection(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--select", "-s", "-m", "--models", multiple=True, help="Nodes to include."),
        click.option("--exclude", multiple=True, help="Nodes to leave out."),
        click.option(
            "--indirect-selection",
            envvar=_env("INDIRECT_SELECTION"),
            type=click.Choice(["eager", "cautious", "buildable", "empty"], case_sensitive=False),
            default=None,
            help="How tests join the selection with the nodes they test (default: eager).",
        ),
        click.option("--selector", default=None, help="A selector of selectors.yml (instead of --select/--exclude)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _execution(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--threads", type=int, default=None, help="Worker threads (default: profile's)."),
        click.option(
            "--fail-fast/--no-fail-fast",
            "-x",
            envvar=_env("FAIL_FAST"),
            default=None,
            help="Stop at the first failure.",
        ),
        click.option(
            "--full-refresh",
            "-f",
            envvar=_env("FULL_REFRESH"),
            is_flag=True,
            default=False,
            help="Rebuild incremental models.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return output_options(func)


def _resource_types(func: Callable[..., Any]) -> Callable[..., Any]:
    """--resource-type / --exclude-resource-type (test, build, ls), with dbt's variables."""
    options = [
        click.option(
            "--resource-type",
            "--resource-types",
            envvar=_env("RESOURCE_TYPES"),
            multiple=True,
            help="Only these types: model, seed, snapshot, test, unit_test, source, ...",
        ),
        click.option(
            "--exclude-resource-type",
            "--exclude-resource-types",
            envvar=_env("EXCLUDE_RESOURCE_TYPES"),
            multiple=True,
            help="Leave these types out, e.g. unit_test.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _store_failures(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store-failures",
        envvar=_env("STORE_FAILURES"),
        is_flag=True,
        default=False,
        help="Store each test's failing rows in its audit schema.",
    )(func)


def _empty(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--empty", is_flag=True, default=False, help="Not implemented: reported.")(func)


def _event_time(func: Callable[..., Any]) -> Callable[..., Any]:
    """dbt's --event-time-start / --event-time-end: the window microbatch models build."""
    for name, help_text in (
        ("end", "The end (exclusive) of the window microbatch models build (UTC)."),
        ("start", "The start (inclusive) of the window microbatch models build (UTC)."),
    ):
        option = click.option(
            f"--event-time-{name}",
            envvar=_env(f"EVENT_TIME_{name.upper()}"),
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


def _state(func: Callable[..., Any]) -> Callable[..., Any]:
    for names, env, text in reversed(_STATE_OPTIONS):
        func = click.option(*names, envvar=_env(env), default=None, help=text)(func)
    return func


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out.extend(v for v in value.split() if v)
    return tuple(out)


#: the options Flags has a field for (--resource-type fills resource_types); every other
#: option a command was given goes to Flags.extra
_FLAG_OPTIONS = frozenset({f.name for f in fields(Flags)} | {"resource_type", "exclude_resource_type"})


def _flags(command: str, kwargs: dict[str, Any], **extra: Any) -> Flags:
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
        select=_split(kwargs.get("select") or ()),
        exclude=_split(kwargs.get("exclude") or ()),
        full_refresh=bool(kwargs.get("full_refresh")),
        fail_fast=None if fail_fast is None else bool(fail_fast),
        target_path=kwargs.get("target_path"),
        debug=debug,
        resource_types=_split(tuple(t.lower() for t in kwargs.get("resource_type") or ())),
        exclude_resource_types=_split(tuple(t.lower() for t in kwargs.get("exclude_resource_type") or ())),
        output=kwargs.get("output") or "selector",
        profile=kwargs.get("profile"),
        indirect_selection=(kwargs.get("indirect_selection") or "").lower() or None,
        version_check=kwargs.get("version_check"),
        store_failures=bool(kwargs.get("store_failures")),
        warn_error=kwargs.get("warn_error"),
        warn_error_options=kwargs.get("warn_error_options") or None,
        event_time_start=kwargs.get("event_time_start"),
        event_time_end=kwargs.get("event_time_end"),
        extra={
            **{
                k: v
                for k, v in kwargs.items()
                if k not in _FLAG_OPTIONS and (v not in (None, (), False) or (k in OUTPUT_OPTIONS and v is False))
            },
            **extra,
        },
    )


def _run(task: Callable[[Flags], int], flags: Flags) -> None:
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


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from dagwright.about import version_report

    click.echo(version_report())
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show dagwright's version, Python's and each engine driver's, and exit.",
)
@output_options
@click.pass_context
def main(ctx: click.Context, **kwargs: Any) -> None:
    """Run dbt projects as a DAG of warehouse queries."""
    remember_global(ctx, kwargs)


def _run_family(flags: Flags) -> int:
    from dagwright.tasks.run import execute

    return execute(flags)


@main.command("run")
@_common
@_warn_error
@_selection
@_state
@_execution
@_event_time
@_empty
def run_cmd(**kwargs: Any) -> None:
    """Build the selected models."""
    _run(_run_family, _flags("run", kwargs))


@main.command("seed")
@_common
@_warn_error
@_selection
@_state
@_execution
def seed_cmd(**kwargs: Any) -> None:
    """Load CSV seeds into tables."""
    _run(_run_family, _flags("seed", kwargs))


@main.command("test")
@_common
@_warn_error
@_selection
@_state
@_execution
@_resource_types
@_store_failures
def test_cmd(**kwargs: Any) -> None:
    """Run data tests."""
    _run(_run_family, _flags("test", kwargs))


@main.command("snapshot")
@_common
@_warn_error
@_selection
@_state
@_execution
@_empty
def snapshot_cmd(**kwargs: Any) -> None:
    """Run snapshots: record how the selected queries' rows change over time."""
    _run(_run_family, _flags("snapshot", kwargs))


@main.command("build")
@_common
@_warn_error
@_selection
@_state
@_execution
@_resource_types
@_store_failures
@_event_time
@_empty
def build_cmd(**kwargs: Any) -> None:
    """Seeds, models, snapshots and tests, in DAG order."""
    _run(_run_family, _flags("build", kwargs))


@main.command("clone")
@_common
@_warn_error
@_selection
@_state
@click.option("--full-refresh", "-f", envvar=_env("FULL_REFRESH"), is_flag=True, default=False)
@click.option("--threads", type=int, default=None, help="Accepted as dbt's; dagwright clones one node at a time.")
def clone_cmd(**kwargs: Any) -> None:
    """Make --state's relations of the selected nodes available here (a view each on DuckDB, PostgreSQL)."""
    from dagwright.tasks.clone import clone

    _run(lambda f: clone(f, _echo), _flags("clone", kwargs))


@main.command("retry")
@_common
@_warn_error
@_execution
def retry_cmd(**kwargs: Any) -> None:
    """Re-run the nodes of the last run that did not succeed."""
    from dagwright.tasks.retry import retry

    _run(lambda f: retry(f, _echo), _flags("retry", kwargs))


@main.command("timeline")
@_common
@click.option("--run-results", default=None, help="The run_results.json to draw (default: target/run_results.json).")
@click.option("--output", "-o", "output_file", default=None, help="HTML file to write (default: beside it).")
@click.option("--terminal", is_flag=True, default=False, help="Draw the timeline in the terminal instead.")
def timeline_cmd(**kwargs: Any) -> None:
    """Draw a run: one lane per worker thread, a bar per node, the stop, the critical path."""
    from dagwright.tasks.timeline import timeline

    _run(lambda f: timeline(f, _echo), _flags("timeline", kwargs))


@main.command("explain")
@_common
@_warn_error
@_selection
@click.option("--threads", type=int, default=None, help="Worker threads (default: profile's).")
@click.option("--fail-fast", "-x", is_flag=True, default=False, help="Simulate a run with --fail-fast.")
@click.option("--fail", multiple=True, help="A node (name or unique_id) that fails; repeat for more.")
@click.option(
    "--command",
    "simulate_command",
    type=click.Choice(["run", "build", "seed", "test"]),
    default="run",
    help="The command to simulate (default: run).",
)
@click.option("--run-results", default=None, help="Durations from this run_results.json (default: the last run's).")
def explain_cmd(**kwargs: Any) -> None:
    """Predict what a run would do (and when), from the last run's durations."""
    from dagwright.tasks.explain import explain

    kwargs["fail"] = _split(kwargs.get("fail") or ())
    _run(lambda f: explain(f, _echo), _flags("explain", kwargs))


def _operation_args(ctx: click.Context, param: click.Parameter, value: str | None) -> dict[str, Any]:
    """--args for run-operation: a YAML (or JSON) mapping, as dbt reads it."""
    if value is None:
        return {}
    import yaml

    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        parsed = None
    if not isinstance(parsed, dict):
        raise click.BadParameter(f"String '{value}' is not valid YAML")
    return parsed


@main.command("run-operation")
@_common
@click.argument("macro")
@click.option(
    "--args",
    "macro_args",
    default=None,
    callback=_operation_args,
    help="The macro's keyword arguments as YAML or JSON, e.g. '{days: 7}'.",
)
def run_operation_cmd(macro: str, macro_args: dict[str, Any], **kwargs: Any) -> None:
    """Run a macro (MACRO or package.MACRO) with --args."""
    from dagwright.tasks.operation import run_operation

    _run(lambda f: run_operation(f, _echo), _flags("run-operation", kwargs, macro=macro, args=macro_args))


@main.command("parse")
@_common
@_warn_error
def parse_cmd(**kwargs: Any) -> None:
    """Read the project and write target/manifest.json."""
    from dagwright.tasks.project import parse

    _run(lambda f: parse(f, _echo), _flags("parse", kwargs))


@main.command("compile")
@_common
@_warn_error
@_selection
@_state
@click.option("--full-refresh", "-f", envvar=_env("FULL_REFRESH"), is_flag=True, default=False)
@click.option("--threads", type=int, default=None)
@click.option("--inline", default=None, help="Compile this query instead of the selected nodes, and print it.")
@_empty
def compile_cmd(**kwargs: Any) -> None:
    """Compile the selected models, snapshots, tests and analyses into target/compiled/."""
    from dagwright.tasks.compile_command import compile_project

    _run(lambda f: compile_project(f, _echo), _flags("compile", kwargs))


@main.group("docs")
def docs_group() -> None:
    """The project's documentation: catalog.json and a site (generate, serve)."""


@docs_group.command("generate")
@_common
@_warn_error
@_selection
@_resource_types
@click.option("--threads", type=int, default=None)
@click.option("--compile/--no-compile", "compile_nodes", default=True, help="Compile the nodes first (default: yes).")
@click.option("--empty-catalog", is_flag=True, default=False, help="Write a catalog with no tables (no queries).")
@click.option("--static", is_flag=True, default=False, help="Also write the site as static_index.html.")
def docs_generate_cmd(**kwargs: Any) -> None:
    """Compile the project, write target/catalog.json and the documentation site."""
    from dagwright.tasks.docs import generate_docs

    compile_nodes = kwargs.pop("compile_nodes")
    _run(lambda f: generate_docs(f, _echo), _flags("generate", kwargs, compile=compile_nodes))


@docs_group.command("serve")
@click.option("--project-dir", envvar=_env("PROJECT_DIR"), default=None, help="Folder with dbt_project.yml.")
@click.option("--target-path", envvar=_env("TARGET_PATH"), default=None, help="Where the artifacts are.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8080, show_default=True, help="0: any free port.")
@click.option("--browser/--no-browser", default=True, help="Open the site in a browser (default: yes).")
@click.option("--profiles-dir", envvar=_env("PROFILES_DIR"), default=None, hidden=True)
def docs_serve_cmd(**kwargs: Any) -> None:
    """Serve the documentation site from target/ on localhost."""
    from dagwright.tasks.docs import serve_docs

    browser = kwargs.pop("browser")
    _run(lambda f: serve_docs(f, _echo), _flags("serve", kwargs, browser=browser))


@main.command("show")
@_common
@_warn_error
@_selection
@_state
@click.option("--inline", default=None, help="A query to run instead of selected nodes (may ref any node).")
@click.option("--limit", type=int, default=5, show_default=True, help="Rows to show; a negative limit shows all.")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", help="A table, or dbt's JSON.")
@click.option("--threads", type=int, default=None)
@click.option("--full-refresh", "-f", is_flag=True, default=False)
def show_cmd(**kwargs: Any) -> None:
    """Run the selected nodes' queries (or --inline) and print their first rows."""
    from dagwright.tasks.show import show

    _run(lambda f: show(f, _echo), _flags("show", kwargs))


@main.command("ls")
@_common
@_warn_error
@_selection
@_state
@_resource_types
@click.option("--output", "-o", default="selector", help="selector, name, path or json.")
@click.option("--output-keys", multiple=True, help="with --output json: the keys to print (config.materialized...).")
def ls_cmd(**kwargs: Any) -> None:
    """List the selected resources."""
    from dagwright.tasks.project import list_nodes

    _run(lambda f: list_nodes(f, _echo), _flags("ls", kwargs))


main.add_command(ls_cmd, "list")


@main.command("init")
@click.argument("project_name", required=False)
@click.option("--adapter", default=None, help="The profile's engine: duckdb, postgres, spark or bigquery.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="A profile setting (repeatable).")
@click.option("--skip-profile-setup", "-s", is_flag=True, default=False, help="Write no profile.")
@click.option("--profiles-dir", envvar=_env("PROFILES_DIR"), default=None, help="Where profiles.yml is (~/.dbt).")
@click.option("--target", "-t", default="dev", show_default=True, help="The profile's target name.")
@click.option("--debug", "-d", is_flag=True, default=False, help="Show tracebacks.")
def init_cmd(project_name: str | None, settings: tuple[str, ...], **kwargs: Any) -> None:
    """Create a new dbt project and its profile (no prompts when --adapter and --set say all)."""
    from dagwright.tasks.init import init, parse_settings

    def ask(question: str, default: Any, secret: bool) -> Any:
        return click.prompt(question, default=default, hide_input=secret)

    def task(flags: Flags) -> int:
        return init(
            project_name,
            adapter=kwargs.get("adapter"),
            settings=parse_settings(settings),
            skip_profile=bool(kwargs.get("skip_profile_setup")),
            profiles_dir=kwargs.get("profiles_dir"),
            target=str(kwargs.get("target") or "dev"),
            echo=_echo,
            ask=ask if sys.stdin.isatty() else None,  # a script never waits on a question
        )

    _run(task, _flags("init", kwargs))


@main.command("deps")
@_common
@click.option("--upgrade", is_flag=True, default=False, help="Ignore package-lock.yml: resolve packages.yml again.")
def deps_cmd(**kwargs: Any) -> None:
    """Install the packages of packages.yml into packages-install-path (default dbt_packages/)."""
    from dagwright.tasks.deps import deps

    _run(lambda f: deps(f, _echo), _flags("deps", kwargs))


@main.command("clean")
@_common
def clean_cmd(**kwargs: Any) -> None:
    """Delete the clean-targets folders (default: target/)."""
    from dagwright.tasks.maintenance import clean

    _run(lambda f: clean(f, _echo), _flags("clean", kwargs))


@main.command("debug")
@_common
def debug_cmd(**kwargs: Any) -> None:
    """Show the resolved profile (no secrets) and test the connection."""
    from dagwright.tasks.maintenance import debug

    _run(lambda f: debug(f, _echo), _flags("debug", kwargs))


@main.group("source")
def source_group() -> None:
    """Commands on the project's sources."""


@source_group.command("freshness")
@_common
@_warn_error
@_selection
@click.option("--threads", type=int, default=None, help="Worker threads (default: profile's).")
@click.option("--output", "-o", default=None, help="Where to write the JSON report (default: target/sources.json).")
def source_freshness_cmd(**kwargs: Any) -> None:
    """Check how recently the selected sources were loaded; write target/sources.json."""
    from dagwright.tasks.freshness import freshness

    output = kwargs.pop("output", None)
    _run(lambda f: freshness(f, output=output), _flags("freshness", kwargs))


_snapshot_freshness = copy.copy(source_freshness_cmd)  # dbt's hidden alias
_snapshot_freshness.hidden = True
source_group.add_command(_snapshot_freshness, "snapshot-freshness")


def entry() -> None:
    """The console script."""
    main(args=expand_multi_value(sys.argv[1:]), prog_name="dagwright")


if __name__ == "__main__":  # pragma: no cover
    entry()
