"""clean and debug."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

from dagwright import __version__
from dagwright.errors import DagwrightError
from dagwright.project.config import load_project
from dagwright.session import Flags, Session

Echo = Callable[[str], None]


def clean(flags: Flags, echo: Echo) -> int:
    project = load_project(flags.project_dir)
    targets = list(project.clean_targets) or [flags.target_path or project.target_path]
    root = project.root
    for name in targets:
        path = (root / name).resolve()
        if path == root or root not in path.parents:
            raise DagwrightError(
                f"refusing to clean '{name}': it is not inside the project folder {root}",
                path=project.path,
            )
        if path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            echo(f"Cleaned {name}/")
        else:
            echo(f"Nothing to clean at {name}/")
    return 0


def debug(flags: Flags, echo: Echo) -> int:
    echo(f"dagwright version: {__version__}")
    echo(f"python version: {sys.version.split()[0]}")
    session = Session(flags)
    echo(f"project: {session.project.name} ({session.project.path})")
    echo(f"profiles.yml: {session.target.profiles_path}")
    echo("target:")
    for key, value in session.target.safe_dict().items():
        echo(f"  {key}: {value}")
    if session.target.ignored:
        from dagwright.parse.unsupported import warning_line

        echo(str(warning_line(session.target.ignored)))
    adapter = session.adapter
    try:
        conn = adapter.open("debug")
        conn.execute("select 1")
        conn.close()
    except DagwrightError as exc:
        echo(f"Connection test: [ERROR] {exc}")
        return 1
    except Exception as exc:
        echo(f"Connection test: [ERROR] {type(exc).__name__}: {exc}")
        return 1
    finally:
        adapter.close()
    echo("Connection test: [OK connection ok]")
    echo("All checks passed!")
    return 0
