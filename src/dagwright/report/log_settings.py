"""dbt's logging and output flags, resolved as dbt-core 1.11 resolves them: the command line,
then its environment variable (``DBT_ENGINE_<NAME>``, then ``DBT_<NAME>``: the CLI reads
those), then dbt_project.yml's ``flags:``, then dbt's default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dagwright.errors import DagwrightError

#: --log-format values: dbt's, and dagwright's own event stream
LOG_FORMATS = ("text", "debug", "json", "default", "dagwright-json")
LOG_FORMATS_FILE = ("text", "debug", "json", "default")
LOG_LEVELS = ("debug", "info", "warn", "error", "none")


@dataclass(frozen=True)
class LogSettings:
    #: stdout: ``default`` (dbt's text lines), ``debug`` (with time, level and thread),
    #: ``json`` (dbt's structured log), ``dagwright-json`` (report/events.py)
    format: str = "default"
    level: str = "info"
    #: logs/dbt.log: ``debug`` text or ``json``
    format_file: str = "debug"
    level_file: str = "debug"
    #: the folder of dbt.log; None: no file
    path: Path | None = None
    #: -q: only errors (and print() output) on stdout
    quiet: bool = False
    use_colors: bool = True
    printer_width: int = 80
    #: print() output shown (--print / --no-print)
    print_output: bool = True
    #: run_results.json and manifest.json written (--write-json / --no-write-json)
    write_json: bool = True


def _pick(cli: Mapping[str, Any], flags: Mapping[str, Any], name: str) -> Any:
    value = cli.get(name)
    if value is None:
        value = flags.get(name)
    return value


def _choice(value: Any, allowed: tuple[str, ...], what: str, default: str) -> str:
    if value is None:
        return default
    text = str(value).strip().lower()
    if text not in allowed:
        raise DagwrightError(f"{what} {value!r} is not one of {', '.join(allowed)}")
    return text


def resolve(
    cli: Mapping[str, Any],
    project_flags: Mapping[str, Any] | None,
    project_root: Path,
    project_log_path: str | None = None,
) -> LogSettings:
    """The settings of a command: ``cli`` holds the options (None: not given; their variables
    already read), ``project_flags`` dbt_project.yml's ``flags:``, ``project_log_path`` its
    ``log-path:`` (deprecated in dbt 1.11, still followed), relative to the project."""
    flags: Mapping[str, Any] = project_flags if isinstance(project_flags, Mapping) else {}
    fmt = _choice(_pick(cli, flags, "log_format"), LOG_FORMATS, "log format", "default")
    level = _choice(_pick(cli, flags, "log_level"), LOG_LEVELS, "log level", "info")
    # dbt: the file follows --log-format json, else its own default (debug text)
    file_default = "json" if fmt == "json" else "debug"
    fmt_file = _choice(_pick(cli, flags, "log_format_file"), LOG_FORMATS_FILE, "log file format", file_default)
    level_file = _choice(_pick(cli, flags, "log_level_file"), LOG_LEVELS, "log file level", "debug")
    log_path = cli.get("log_path")
    path = Path(log_path) if log_path else project_root / (project_log_path or "logs")
    if not path.is_absolute():
        path = Path.cwd() / path
    width = _pick(cli, flags, "printer_width")
    quiet = bool(cli.get("quiet"))
    print_output = cli.get("print")
    use_colors = _pick(cli, flags, "use_colors")
    write_json = _pick(cli, flags, "write_json")
    return LogSettings(
        format=fmt,
        level=level,
        format_file=fmt_file,
        level_file=level_file,
        path=None if level_file == "none" else path,
        quiet=quiet,
        use_colors=True if use_colors is None else bool(use_colors),
        printer_width=80 if width is None else int(width),
        print_output=True if print_output is None else bool(print_output),
        write_json=True if write_json is None else bool(write_json),
    )
