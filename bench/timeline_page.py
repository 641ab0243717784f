"""How fast target/timeline.html opens at 5,000 nodes, in headless Chromium.

Generates a project (bench/gen_project.py), seeds it and runs it with dagwright (skipped when
``--target`` names the target/ of a run already made), then opens its timeline.html
``--repeats`` times. The page sets ``data-ready-ms`` on <body> (navigation start to the end of
its first draw: the chart and the table are on screen and answer the mouse) and
``data-script-ms`` (the part of it its script took); Chromium's ``--dump-dom`` gives them back.
The browser's CPU time (user + sys of the whole process tree) is compared with that of a blank
page opened the same way, so the page's own share shows.

    python bench/timeline_page.py [--models 5000] [--threads 8] [--repeats 7] [--target DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from gen_project import generate

BIN = Path(sys.executable).parent


def chromium(url: str, profile: Path) -> tuple[str, float]:
    """The DOM after the page's scripts ran, and the CPU seconds the browser used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            shutil.which("chromium") or "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done.stdout, cpu


def make_run(work: Path, models: int, threads: int) -> Path:
    project = generate(work / "project", models, threads=threads)
    env = dict(os.environ, BENCH_DB=str(work / "bench.duckdb"))
    for command in ("seed", "run"):
        cmd = [str(BIN / "dagwright"), command, "--profiles-dir", "."]
        subprocess.run(cmd, cwd=project, env=env, check=True, capture_output=True)
    return project / "target"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--target", type=Path, help="the target/ of a run already made")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        target = args.target or make_run(work, args.models, args.threads)
        page = target / "timeline.html"
        blank = work / "blank.html"
        blank.write_text("<!DOCTYPE html><html><body>blank</body></html>")
        ready, script, cpu, cpu_blank = [], [], [], []
        for i in range(args.repeats):
            dom, seconds = chromium(page.as_uri(), work / f"profile-{i}")
            ready.append(int(re.search(r'data-ready-ms="(\d+)"', dom)[1]))
            script.append(int(re.search(r'data-script-ms="(\d+)"', dom)[1]))
            cpu.append(seconds)
            cpu_blank.append(chromium(blank.as_uri(), work / f"blank-{i}")[1])
        nodes = len(re.findall(r'<g class="node', dom))
        print(f"page: {page} ({page.stat().st_size / 1e6:.2f} MB), {nodes} bars drawn")
        print(
            f"load to interactive (data-ready-ms): median {statistics.median(ready)} ms,"
            f" min {min(ready)}, max {max(ready)}"
        )
        print(f"of which the page's script: median {statistics.median(script)} ms")
        print(
            f"browser CPU: median {statistics.median(cpu):.2f} s against {statistics.median(cpu_blank):.2f} s "
            "for a blank page"
        )


if __name__ == "__main__":
    main()
