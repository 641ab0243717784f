"""clean and debug."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

from dagwright import __version__
from dagwright.errors import DagwrightError
from dagwright.project.config import load_project
from dagwright.report.command_log import say
from dagwright.session import Flags, Session
from dagwright.tasks.command_output import attach_log, attach_project_log

Echo = Callable[[str], None]


def clean(flags: Flags, echo: Echo) -> int:
    project = load_project(flags.project_dir)
    attach_project_log(project, echo)
    targets = list(project.clean_targets) or [flags.target_path or project.target_path]
    root = project.root
    for name in targets:
        path = (root / name).resolve()
        if path == root or root not in path.parents:
            raise DagwrightError(
                f"refusing to clean '{name}': it is not inside the project folder {root}",
                path=project.path,
            )
        say(echo, "CheckCleanPath", f"Checking {path}/*", {"path": str(path)})
        if path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            say(echo, "ConfirmCleanPath", f"Cleaned {path}/*", {"path": str(path)})
        else:
            say(echo, "ConfirmCleanPath", f"Nothing to clean at {path}/*", {"path": str(path)})
    say(echo, "FinishedCleanPaths", "Finished cleaning all paths.")
    return 0


def debug(flags: Flags, echo: Echo) -> int:
    def out(text: str) -> None:
        say(echo, "DebugCmdOut", text, {"msg": text})

    def result(text: str) -> None:
        say(echo, "DebugCmdResult", text, {"msg": text})

    session = Session(flags)
    attach_log(session, echo)
    out(f"dagwright version: {__version__}")
    out(f"python version: {sys.version.split()[0]}")
    out(f"project: {session.project.name} ({session.project.path})")
    out(f"profiles.yml: {session.target.profiles_path}")
    out("target:")
    for key, value in session.target.safe_dict().items():
        out(f"  {key}: {value}")
    if session.target.ignored:
        from dagwright.parse.unsupported import warning_line

        echo(str(warning_line(session.target.ignored)))
    adapter = session.adapter
    try:
        conn = adapter.open("debug")
        conn.execute("select 1")
        conn.close()
    except DagwrightError as exc:
        out("Connection test: [ERROR]")
        result(f"1 check failed:\n{exc}")
        return 1
    except Exception as exc:
        out("Connection test: [ERROR]")
        result(f"1 check failed:\n{type(exc).__name__}: {exc}")
        return 1
    finally:
        adapter.close()
    out("Connection test: [OK connection ok]")
    result("All checks passed!")
    return 0
