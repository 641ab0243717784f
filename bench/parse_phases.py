"""Where a dagwright command's time and memory go, phase by phase, in one process.

Runs ``dagwright <command>`` in this process with timers around its phases (CPU and wall
seconds, and the process's RSS after each) and prints them; ``--cold`` deletes target/
first (no parse cache). Run it from the project's folder, with its profile there:

    cd PROJECT && python bench/parse_phases.py parse --cold
    cd PROJECT && python bench/parse_phases.py compile
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

START_CPU, START_WALL = time.process_time(), time.perf_counter()

#: (label, module, attribute path) of the functions timed
PHASES = [
    ("hash inputs", "dagwright.session", "Session._inputs_key"),
    ("read cache file", "dagwright.parse.cache", "ParseCache.__init__"),
    ("decode cache", "dagwright.parse.cache", "ParseCache.project"),
    ("parse proper", "dagwright.parse.loader", "load_manifest"),
    ("semantic checks", "dagwright.artifacts.semantic_validation", "check_semantic_layer"),
    ("write cache", "dagwright.parse.cache", "ParseCache.store"),
    ("manifest.json", "dagwright.session", "Session._write_manifest"),
    ("select", "dagwright.session", "Session.select"),
    ("run_results.json", "dagwright.tasks.compile_command", "write_run_results"),
    ("compile command (whole)", "dagwright.tasks.compile_command", "compile_session"),
]


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def wrap(records: list[tuple[str, float, float, float]], label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            records.append((label, time.process_time() - cpu, time.perf_counter() - wall, rss_mb()))

    return timed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", nargs="+", help="the dagwright command and its options")
    parser.add_argument("--cold", action="store_true", help="delete target/ first")
    args = parser.parse_args()
    if args.cold:
        shutil.rmtree(Path("target"), ignore_errors=True)
    import importlib

    records: list[tuple[str, float, float, float]] = []
    for label, module_name, path in PHASES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        owner: Any = module
        *parents, name = path.split(".")
        for part in parents:
            owner = getattr(owner, part)
        if hasattr(owner, name):
            setattr(owner, name, wrap(records, label, getattr(owner, name)))
    imported_cpu = time.process_time() - START_CPU
    from dagwright.cli import entry

    sys.argv = ["dagwright", *args.command, "--profiles-dir", "."]
    try:
        entry()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    total_cpu, total_wall = time.process_time() - START_CPU, time.perf_counter() - START_WALL
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"exit {code}; total CPU {total_cpu:.3f} s, wall {total_wall:.3f} s, peak RSS {peak:.0f} MB", file=sys.stderr)
    print(f"  {'imports (before the command)':32} CPU {imported_cpu:7.3f} s", file=sys.stderr)
    for label, cpu, wall, rss in records:
        share = 100 * cpu / total_cpu if total_cpu else 0
        print(
            f"  {label:32} CPU {cpu:7.3f} s ({share:4.1f}%)  wall {wall:7.3f} s  RSS after {rss:6.0f} MB",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
