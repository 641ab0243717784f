"""parse and ls: commands that read the project and touch no table (compile: tasks/compile_command.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from dagwright.project.warn_error import warn_or_error
from dagwright.report.command_log import plain_result
from dagwright.session import RESOURCE_TYPES, Flags, Session
from dagwright.tasks.command_output import attach_log, log_found
from dagwright.tasks.found import found_line

Echo = Callable[[str], None]


def parse(flags: Flags, echo: Echo) -> int:
    session = Session(flags)
    attach_log(session, echo)
    _ = session.manifest
    ignored = session.check_unsupported()
    session.write_manifest()
    echo(found_line(session))
    if ignored:
        echo(ignored)
    if session.writes_json:
        echo(f"Wrote {session.target_dir / 'manifest.json'}")
    return 0


def list_nodes(flags: Flags, echo: Echo) -> int:
    from dagwright.artifacts.listing import ls_lines

    session = Session(flags)
    attach_log(session, echo)
    types = list(flags.resource_types) or ["default"]
    session.check_resource_types(types)
    if "all" in types:
        types = list(RESOURCE_TYPES)
    elif "default" in types:  # dbt lists analyses only when asked for them (or for "all")
        types = [*(t for t in RESOURCE_TYPES if t != "analysis"), *(t for t in types if t == "analysis")]
    manifest = session.manifest
    log_found(session, echo)
    chosen = sorted(session.select(types, include_empty=True))
    ignored = session.check_unsupported(chosen)
    session.write_manifest()  # as dbt ls does (CI scripts make a --state manifest with it)
    if ignored:
        print(ignored, file=sys.stderr)  # stdout is the listing
    if not chosen:  # dbt's warning NoNodesSelected (an error under --warn-error)
        nothing = warn_or_error(session.warn_error, "NoNodesSelected", "No nodes selected!")
        if nothing is not None:
            print(nothing, file=sys.stderr)
    output_keys = tuple(k for value in flags.extra.get("output_keys") or () for k in value.split())
    for line in ls_lines(
        manifest,
        chosen,
        flags.output,
        output_keys=output_keys,
        render_relation=session.render_relation,
        root_path=str(session.project.root),
        target_path=session.target_path,
        unit_tests=manifest.unit_tests,
    ):
        plain_result(echo, "PrintEvent", line, {"msg": line})
    return 0
