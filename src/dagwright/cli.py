"""Command line: parse arguments, call a task, print, exit with its code. Nothing else."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from dagwright import __version__
from dagwright.errors import DagwrightError
from dagwright.session import Flags


def _echo(text: str) -> None:
    click.echo(text)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--project-dir", default=None, help="Folder with dbt_project.yml (default: current)."),
        click.option("--profiles-dir", default=None, help="Folder with profiles.yml."),
        click.option("--target", "-t", default=None, help="Target in the profile."),
        click.option("--vars", default=None, help="Vars as YAML or JSON, e.g. '{my_var: 1}'."),
        click.option("--target-path", default=None, help="Where artifacts go (default: target)."),
        click.option("--debug", "-d", is_flag=True, default=False, help="Show tracebacks."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _selection(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--select", "-s", "-m", "--models", multiple=True, help="Nodes to include."),
        click.option("--exclude", multiple=True, help="Nodes to leave out."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _execution(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--threads", type=int, default=None, help="Worker threads (default: profile's)."),
        click.option("--fail-fast", "-x", is_flag=True, default=False, help="Stop at the first failure."),
        click.option("--full-refresh", "-f", is_flag=True, default=False, help="Rebuild incremental models."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for value in values:
        out.extend(v for v in value.split() if v)
    return tuple(out)


def _flags(command: str, kwargs: dict[str, Any]) -> Flags:
    debug = bool(kwargs.get("debug")) or os.environ.get("DAGWRIGHT_DEBUG") == "1"
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
        fail_fast=bool(kwargs.get("fail_fast")),
        target_path=kwargs.get("target_path"),
        debug=debug,
        resource_types=tuple(kwargs.get("resource_type") or ()),
        output=kwargs.get("output") or "selector",
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dagwright")
def main() -> None:
    """Run dbt projects as a DAG of warehouse queries."""


def _run_family(flags: Flags) -> int:
    from dagwright.tasks.run import execute

    return execute(flags)


@main.command("run")
@_common
@_selection
@_execution
def run_cmd(**kwargs: Any) -> None:
    """Build the selected models."""
    _run(_run_family, _flags("run", kwargs))


@main.command("seed")
@_common
@_selection
@_execution
def seed_cmd(**kwargs: Any) -> None:
    """Load CSV seeds into tables."""
    _run(_run_family, _flags("seed", kwargs))


@main.command("test")
@_common
@_selection
@_execution
def test_cmd(**kwargs: Any) -> None:
    """Run data tests."""
    _run(_run_family, _flags("test", kwargs))


@main.command("build")
@_common
@_selection
@_execution
def build_cmd(**kwargs: Any) -> None:
    """Seeds and models, in DAG order."""
    _run(_run_family, _flags("build", kwargs))


@main.command("retry")
@_common
@_execution
def retry_cmd(**kwargs: Any) -> None:
    """Re-run the nodes of the last run that did not succeed."""
    from dagwright.tasks.retry import retry

    _run(lambda f: retry(f, _echo), _flags("retry", kwargs))


@main.command("parse")
@_common
def parse_cmd(**kwargs: Any) -> None:
    """Read the project and write target/manifest.json."""
    from dagwright.tasks.project import parse

    _run(lambda f: parse(f, _echo), _flags("parse", kwargs))


@main.command("compile")
@_common
@_selection
@click.option("--full-refresh", "-f", is_flag=True, default=False)
@click.option("--threads", type=int, default=None)
def compile_cmd(**kwargs: Any) -> None:
    """Write each model's SQL to target/compiled/."""
    from dagwright.tasks.project import compile_project

    _run(lambda f: compile_project(f, _echo), _flags("compile", kwargs))


@main.command("ls")
@_common
@_selection
@click.option("--resource-type", "--resource-types", multiple=True, help="model, seed, source, test, ...")
@click.option("--output", "-o", default="selector", help="selector, name, path or json.")
def ls_cmd(**kwargs: Any) -> None:
    """List the selected resources."""
    from dagwright.tasks.project import list_nodes

    _run(lambda f: list_nodes(f, _echo), _flags("ls", kwargs))


main.add_command(ls_cmd, "list")


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


if __name__ == "__main__":  # pragma: no cover
    main()
