"""Command line: parse arguments, call a task, print, exit with its code. Nothing else."""

from __future__ import annotations

import copy
import sys
from typing import Any

import click

from dagwright import early_signals
from dagwright.cli_logging import log_options, output_options, remember_global
from dagwright.cli_options import (
    PARSER_OPTIONS,
    common,
    echo,
    empty,
    env_names,
    event_time,
    execution,
    flags_of,
    parser_options,
    resource_types,
    run_task,
    sample,
    selection,
    split_words,
    state,
    store_failures,
    warn_error,
)
from dagwright.session import Flags
from dagwright.tasks.argv import expand_multi_value

#: the commands whose own handlers take over a signal received while the CLI started
#: (tasks/stopping.py): any other gives Python's defaults back at once
HANDLES_SIGNALS = frozenset({"run", "seed", "test", "snapshot", "build", "retry", "source"})


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
@parser_options
@click.pass_context
def main(ctx: click.Context, **kwargs: Any) -> None:
    """Run dbt projects as a DAG of warehouse queries."""
    for name in PARSER_OPTIONS:  # accepted before any command, of no effect
        kwargs.pop(name)
    remember_global(ctx, kwargs)
    if ctx.invoked_subcommand not in HANDLES_SIGNALS:
        early_signals.release()


def _run_family(flags: Flags) -> int:
    from dagwright.tasks.run import execute

    return execute(flags)


@main.command("run")
@common
@warn_error
@selection
@state
@execution
@event_time
@empty
@sample
def run_cmd(**kwargs: Any) -> None:
    """Build the selected models."""
    run_task(_run_family, flags_of("run", kwargs))


@main.command("seed")
@common
@warn_error
@selection
@state
@execution
def seed_cmd(**kwargs: Any) -> None:
    """Load CSV seeds into tables."""
    run_task(_run_family, flags_of("seed", kwargs))


@main.command("test")
@common
@warn_error
@selection
@state
@execution
@resource_types
@store_failures
def test_cmd(**kwargs: Any) -> None:
    """Run data tests."""
    run_task(_run_family, flags_of("test", kwargs))


@main.command("snapshot")
@common
@warn_error
@selection
@state
@execution
@empty
def snapshot_cmd(**kwargs: Any) -> None:
    """Run snapshots: record how the selected queries' rows change over time."""
    run_task(_run_family, flags_of("snapshot", kwargs))


@main.command("build")
@common
@warn_error
@selection
@state
@execution
@resource_types
@store_failures
@event_time
@empty
@sample
def build_cmd(**kwargs: Any) -> None:
    """Seeds, models, snapshots and tests, in DAG order."""
    run_task(_run_family, flags_of("build", kwargs))


@main.command("clone")
@common
@log_options
@warn_error
@selection
@state
@click.option("--full-refresh", "-f", envvar=env_names("FULL_REFRESH"), is_flag=True, default=False)
@click.option("--threads", type=int, default=None, help="Accepted as dbt's; dagwright clones one node at a time.")
def clone_cmd(**kwargs: Any) -> None:
    """Make --state's relations of the selected nodes available here (a view each on DuckDB, PostgreSQL)."""
    from dagwright.tasks.clone import clone
    from dagwright.tasks.command_output import run_logged

    run_task(lambda f: run_logged(f, clone, echo), flags_of("clone", kwargs))


@main.command("retry")
@common
@warn_error
@execution
def retry_cmd(**kwargs: Any) -> None:
    """Re-run the nodes of the last run that did not succeed."""
    from dagwright.tasks.retry import retry

    run_task(lambda f: retry(f, echo), flags_of("retry", kwargs))


@main.command("timeline", context_settings={"ignore_unknown_options": True})  # --compare -2 -1
@common
@click.argument("runs", nargs=-1)
@click.option("--run-results", default=None, help="The run_results.json to draw (default: target/run_results.json).")
@click.option(
    "--run",
    "history_run",
    default=None,
    metavar="RUN",
    help="Draw a recorded run: -1 the newest, -2 the one before..., or its invocation id (see --list).",
)
@click.option("--list", "list_runs", is_flag=True, default=False, help="List the recorded runs (target/history).")
@click.option(
    "--compare",
    is_flag=True,
    default=False,
    help="Compare two recorded runs, RUNS [BEFORE [AFTER]] (default: the newest against the previous run "
    "of the same command); writes target/compare.html.",
)
@click.option(
    "--compare-explain",
    is_flag=True,
    default=False,
    help="explain's last prediction (target/explain.json) against the run that followed it (or --run); "
    "writes target/compare-explain.html.",
)
@click.option("--output", "-o", "output_file", default=None, help="HTML file to write (default: beside it).")
@click.option("--terminal", is_flag=True, default=False, help="Draw the timeline in the terminal instead.")
def timeline_cmd(**kwargs: Any) -> None:
    """Draw a run: one lane per worker thread, a bar per node, the stop, the critical path.

    Each run/build/seed/test/snapshot is recorded in target/history (the last
    DAGWRIGHT_HISTORY_RUNS, default 20): --list shows them, --run draws one, --compare
    puts two side by side, --compare-explain checks explain's prediction."""
    from dagwright.tasks.timeline import timeline

    run_task(lambda f: timeline(f, echo), flags_of("timeline", kwargs))


@main.command("explain")
@common
@warn_error
@selection
@click.option("--threads", type=int, default=None, help="Worker threads (default: profile's).")
@click.option("--fail-fast", "-x", is_flag=True, default=False, help="Simulate a run with --fail-fast.")
@click.option(
    "--fail",
    multiple=True,
    help="A node (name or unique_id) that fails; several: repeat it or separate them by spaces.",
)
@click.option(
    "--command",
    "simulate_command",
    type=click.Choice(["run", "build", "seed", "test"]),
    default="run",
    help="The command to simulate (default: run).",
)
@click.option(
    "--run-results",
    default=None,
    help="Durations from this run_results.json only (default: each node's median over the recorded runs).",
)
def explain_cmd(**kwargs: Any) -> None:
    """Predict what a run would do (and when), from each node's median duration over the
    recorded runs (target/history), with their range; writes target/explain.json, which
    `dagwright timeline --compare-explain` compares with the run that follows."""
    from dagwright.tasks.explain import explain

    kwargs["fail"] = split_words(kwargs.get("fail") or ())
    run_task(lambda f: explain(f, echo), flags_of("explain", kwargs))


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
@common
@output_options
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

    flags = flags_of("run-operation", kwargs, macro=macro, args=macro_args)
    from dagwright.tasks.command_output import run_logged

    run_task(lambda f: run_logged(f, run_operation, echo), flags)


@main.command("parse")
@common
@output_options
@warn_error
def parse_cmd(**kwargs: Any) -> None:
    """Read the project and write target/manifest.json."""
    from dagwright.tasks.command_output import run_logged
    from dagwright.tasks.project import parse

    run_task(lambda f: run_logged(f, parse, echo), flags_of("parse", kwargs))


@main.command("compile")
@common
@output_options
@warn_error
@selection
@state
@click.option("--full-refresh", "-f", envvar=env_names("FULL_REFRESH"), is_flag=True, default=False)
@click.option("--threads", type=int, default=None)
@click.option("--inline", default=None, help="Compile this query instead of the selected nodes, and print it.")
@empty
def compile_cmd(**kwargs: Any) -> None:
    """Compile the selected models, snapshots, tests and analyses into target/compiled/."""
    from dagwright.tasks.command_output import run_logged
    from dagwright.tasks.compile_command import compile_project

    run_task(lambda f: run_logged(f, compile_project, echo), flags_of("compile", kwargs))


@main.group("docs")
def docs_group() -> None:
    """The project's documentation: catalog.json and a site (generate, serve)."""


@docs_group.command("generate")
@common
@log_options
@warn_error
@selection
@resource_types
@click.option("--threads", type=int, default=None)
@click.option("--compile/--no-compile", "compile_nodes", default=True, help="Compile the nodes first (default: yes).")
@click.option("--empty-catalog", is_flag=True, default=False, help="Write a catalog with no tables (no queries).")
@click.option("--static", is_flag=True, default=False, help="Also write the site as static_index.html.")
def docs_generate_cmd(**kwargs: Any) -> None:
    """Compile the project, write target/catalog.json and the documentation site."""
    from dagwright.tasks.docs import generate_docs

    compile_nodes = kwargs.pop("compile_nodes")
    from dagwright.tasks.command_output import run_logged

    flags = flags_of("generate", kwargs, compile=compile_nodes)
    run_task(lambda f: run_logged(f, generate_docs, echo), flags)


@docs_group.command("serve")
@click.option("--project-dir", envvar=env_names("PROJECT_DIR"), default=None, help="Folder with dbt_project.yml.")
@click.option("--target-path", envvar=env_names("TARGET_PATH"), default=None, help="Where the artifacts are.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8080, show_default=True, help="0: any free port.")
@click.option("--browser/--no-browser", default=True, help="Open the site in a browser (default: yes).")
@click.option("--profiles-dir", envvar=env_names("PROFILES_DIR"), default=None, hidden=True)
def docs_serve_cmd(**kwargs: Any) -> None:
    """Serve the documentation site from target/ on localhost."""
    from dagwright.tasks.docs import serve_docs

    browser = kwargs.pop("browser")
    run_task(lambda f: serve_docs(f, echo), flags_of("serve", kwargs, browser=browser))


@main.command("show")
@common
@output_options
@warn_error
@selection
@state
@click.option("--inline", default=None, help="A query to run instead of selected nodes (may ref any node).")
@click.option("--limit", type=int, default=5, show_default=True, help="Rows to show; a negative limit shows all.")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", help="A table, or dbt's JSON.")
@click.option("--threads", type=int, default=None)
@click.option("--full-refresh", "-f", is_flag=True, default=False)
def show_cmd(**kwargs: Any) -> None:
    """Run the selected nodes' queries (or --inline) and print their first rows."""
    from dagwright.tasks.command_output import run_logged
    from dagwright.tasks.show import show

    run_task(lambda f: run_logged(f, show, echo), flags_of("show", kwargs))


@main.command("ls")
@common
@output_options
@warn_error
@selection
@state
@resource_types
@click.option("--output", "-o", default="selector", help="selector, name, path or json.")
@click.option("--output-keys", multiple=True, help="with --output json: the keys to print (config.materialized...).")
def ls_cmd(**kwargs: Any) -> None:
    """List the selected resources."""
    from dagwright.tasks.command_output import run_logged
    from dagwright.tasks.project import list_nodes

    run_task(lambda f: run_logged(f, list_nodes, echo), flags_of("ls", kwargs))


main.add_command(ls_cmd, "list")


@main.command("init")
@click.argument("project_name", required=False)
@click.option("--adapter", default=None, help="The profile's engine: duckdb, postgres, spark or bigquery.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE", help="A profile setting (repeatable).")
@click.option("--skip-profile-setup", "-s", is_flag=True, default=False, help="Write no profile.")
@click.option("--profiles-dir", envvar=env_names("PROFILES_DIR"), default=None, help="Where profiles.yml is (~/.dbt).")
@click.option("--target", "-t", default="dev", show_default=True, help="The profile's target name.")
@click.option("--debug", "-d", is_flag=True, default=False, help="Show tracebacks.")
@log_options
def init_cmd(project_name: str | None, settings: tuple[str, ...], **kwargs: Any) -> None:
    """Create a new dbt project and its profile (no prompts when --adapter and --set say all)."""
    from dagwright.tasks.init import init, parse_settings

    def ask(question: str, default: Any, secret: bool) -> Any:
        return click.prompt(question, default=default, hide_input=secret)

    def task(flags: Flags, out: Any) -> int:
        return init(
            project_name,
            adapter=kwargs.get("adapter"),
            settings=parse_settings(settings),
            skip_profile=bool(kwargs.get("skip_profile_setup")),
            profiles_dir=kwargs.get("profiles_dir"),
            target=str(kwargs.get("target") or "dev"),
            echo=out,
            ask=ask if sys.stdin.isatty() else None,  # a script never waits on a question
        )

    from dagwright.tasks.command_output import run_logged

    run_task(lambda f: run_logged(f, task, echo), flags_of("init", kwargs))


@main.command("deps")
@common
@log_options
@click.option("--upgrade", is_flag=True, default=False, help="Ignore package-lock.yml: resolve packages.yml again.")
def deps_cmd(**kwargs: Any) -> None:
    """Install the packages of packages.yml into packages-install-path (default dbt_packages/)."""
    from dagwright.tasks.command_output import run_logged
    from dagwright.tasks.deps import deps

    run_task(lambda f: run_logged(f, deps, echo), flags_of("deps", kwargs))


@main.command("clean")
@common
@log_options
def clean_cmd(**kwargs: Any) -> None:
    """Delete the clean-targets folders (default: target/)."""
    from dagwright.tasks.command_output import run_logged
    from dagwright.tasks.maintenance import clean

    run_task(lambda f: run_logged(f, clean, echo), flags_of("clean", kwargs))


@main.command("debug")
@common
@log_options
def debug_cmd(**kwargs: Any) -> None:
    """Show the resolved profile (no secrets) and test the connection."""
    from dagwright.tasks.command_output import run_logged
    from dagwright.tasks.maintenance import debug

    run_task(lambda f: run_logged(f, debug, echo), flags_of("debug", kwargs))


@main.group("source")
def source_group() -> None:
    """Commands on the project's sources."""


@source_group.command("freshness")
@common
@warn_error
@selection
@click.option("--threads", type=int, default=None, help="Worker threads (default: profile's).")
@click.option("--output", "-o", default=None, help="Where to write the JSON report (default: target/sources.json).")
@output_options
def source_freshness_cmd(**kwargs: Any) -> None:
    """Check how recently the selected sources were loaded; write target/sources.json."""
    from dagwright.tasks.freshness import freshness

    output = kwargs.pop("output", None)
    run_task(lambda f: freshness(f, output=output), flags_of("freshness", kwargs))


_snapshot_freshness = copy.copy(source_freshness_cmd)  # dbt's hidden alias
_snapshot_freshness.hidden = True
source_group.add_command(_snapshot_freshness, "snapshot-freshness")


def entry() -> None:
    """The console script."""
    from dagwright.report.streams import protect_stdout

    protect_stdout()
    main(args=expand_multi_value(sys.argv[1:]), prog_name="dagwright")


if __name__ == "__main__":  # pragma: no cover
    entry()
