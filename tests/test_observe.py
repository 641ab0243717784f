"""Issue 7: seeing a run. target/timeline.html after every run (checked in a real headless
Chromium), `dagwright timeline`, `--log-format dagwright-json`, and live progress on a terminal
(plain dbt-style lines when stdout is not a terminal or NO_COLOR is set)."""

from __future__ import annotations

import html.parser
import json
import os
import pty
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from browser import CHROMIUM, chromium, embedded_data
from stop_helpers import (
    ARTICLE_UIDS,
    FAIL_VARS,
    NODE_LINE,
    article_from,
    article_relations,
    article_template,
    by_uid,
    check_summary,
    check_terminal,
    outcome,
    stop_record,
)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("observe-templates")
    return {kind: article_template(kind, base) for kind in ("seeded", "built")}


# -- the page, as a browser builds it -------------------------------------------------------------
class _Svg(html.parser.HTMLParser):
    """Lanes (their band) and nodes (attributes and first rect) of the timeline's DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.lanes: dict[str, tuple[float, float]] = {}
        self.nodes: dict[str, dict[str, Any]] = {}
        self.stop_line = False
        self._lane: str | None = None
        self._node: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "g" and "lane" in classes:
            self._lane = a["data-lane"]
        elif tag == "g" and "node" in classes:
            self._node = dict(a, rects=[])
            assert a["data-uid"] not in self.nodes, f"two bars for {a['data-uid']}"
            self.nodes[a["data-uid"]] = self._node
        elif tag == "rect" and self._lane is not None and self._lane not in self.lanes:
            self.lanes[self._lane] = (float(a["y"]), float(a["y"]) + float(a["height"]))
        elif tag == "rect" and self._node is not None:
            self._node["rects"].append(a)
        elif tag == "line" and a.get("id") == "stop":
            self.stop_line = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "g":
            self._lane = None
            self._node = None


def check_page_in_browser(page: Path, run_results: dict[str, Any], tmp: Path, name: str) -> _Svg:
    """Every node has one bar, drawn by the page's script in its worker's lane (or 'not run'); a screenshot."""
    if CHROMIUM is None and not os.environ.get("CI"):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp / f"{name}-profile-dom")
    assert dom.returncode == 0, dom.stderr
    svg = _Svg()
    svg.feed(dom.stdout)
    results = by_uid(run_results)
    assert set(svg.nodes) == set(results), (sorted(svg.nodes), sorted(results))
    for uid, result in results.items():
        node = svg.nodes[uid]
        lane = result["thread_id"] if result["timing"] else "not run"
        assert node["data-lane"] == lane, (uid, node["data-lane"], lane)
        assert node["data-status"] == outcome(result), uid
        top, bottom = svg.lanes[lane]
        y = float(node["rects"][0]["y"])
        assert top <= y <= bottom, f"{uid}: bar at y={y} outside lane {lane} [{top}, {bottom}]"
        classes = {r.get("class") for r in node["rects"]}
        if result["timing"]:
            assert "exec" in classes, (uid, classes)
        else:
            assert "marker" in classes, (uid, classes)
    assert svg.stop_line == bool(stop_record(run_results))
    shot = tmp / f"{name}.png"
    done = chromium(f"--screenshot={shot}", "--window-size=1100,520", page.as_uri(), profile=tmp / f"{name}-shot")
    assert done.returncode == 0, done.stderr
    assert shot.exists() and shot.stat().st_size > 10_000, shot
    return svg


def test_timeline_of_a_fail_fast_run_in_chromium(tmp_path: Path, templates) -> None:
    ws = article_from(tmp_path, templates["built"])
    result = ws.run("run", "--threads", "2", "--fail-fast", "--vars", FAIL_VARS)
    assert result.code == 1, str(result)
    rr = ws.run_results()
    page = ws.target / "timeline.html"
    assert page.exists()
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
    svg = check_page_in_browser(page, rr, tmp_path, "fail-fast-2-threads")
    # the header: what the command knew beside run_results.json
    header = embedded_data(text)["header"]
    assert (header["project"], header["target"], header["engine"]) == ("article", "dev", "duckdb"), header
    assert header["command"].startswith("dagwright run") and "--fail-fast" in header["command"], header
    statuses = {uid: outcome(r) for uid, r in by_uid(rr).items()}
    assert statuses[ARTICLE_UIDS["model_beta_b"]] == "cancelled"
    # the critical path: the longest chain of measured time ends with a beta model
    critical = {uid for uid, n in svg.nodes.items() if n["data-critical"] == "true"}
    assert ARTICLE_UIDS["model_alpha"] in critical
    assert critical & {ARTICLE_UIDS["model_beta_a"], ARTICLE_UIDS["model_beta_b"]}


def test_every_command_of_the_run_family_writes_a_timeline(tmp_path: Path, templates) -> None:
    ws = article_from(tmp_path, templates["seeded"])
    for args in (("seed",), ("run", "--threads", "2"), ("test",), ("build", "--threads", "2")):
        page = ws.target / "timeline.html"
        page.unlink(missing_ok=True)
        result = ws.run(*args)
        assert result.code == 0, str(result)
        drawn = {n["id"] for n in embedded_data(page.read_text(encoding="utf-8"))["nodes"]}
        assert drawn == {r["unique_id"] for r in ws.run_results()["results"]}, args
    check_page_in_browser(page, ws.run_results(), tmp_path, "build")


def test_timeline_command_html_and_terminal(tmp_path: Path, templates) -> None:
    ws = article_from(tmp_path, templates["built"])
    source = ws.target / "run_results.json"
    out = tmp_path / "elsewhere" / "t.html"
    result = ws.run("timeline", "--run-results", str(source), "--output", str(out))
    assert result.code == 0, str(result)
    assert out.exists() and "Wrote" in result.stdout
    drawn = embedded_data(out.read_text(encoding="utf-8"))
    assert {n["id"] for n in drawn["nodes"]} == set(ARTICLE_UIDS.values())
    # the manifest.json beside the run says what each node is and where it ran
    assert drawn["header"]["project"] == "article" and drawn["header"]["engine"] == "duckdb"
    assert {n["type"] for n in drawn["nodes"]} == {"model"}
    # the default: target/run_results.json of the project, drawn beside it
    (ws.target / "timeline.html").unlink(missing_ok=True)
    assert ws.run("timeline").code == 0
    assert (ws.target / "timeline.html").exists()

    shown = ws.run("timeline", "--terminal")
    assert shown.code == 0, str(shown)
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("Thread-1"), shown.stdout
    for name in ARTICLE_UIDS:
        assert any(name in line and "success" in line for line in lines), (name, shown.stdout)
    assert any("critical path" in line for line in lines)
    assert "bytes processed" not in shown.stdout  # only for an engine whose nodes run as jobs

    missing = ws.run("timeline", "--run-results", str(tmp_path / "nope.json"))
    assert missing.code == 2 and "does not exist" in missing.stderr


# -- --log-format dagwright-json ------------------------------------------------------------------------
def test_json_log_one_event_per_line(tmp_path: Path, templates) -> None:
    ws = article_from(tmp_path, templates["built"])
    result = ws.run("run", "--threads", "2", "--fail-fast", "--log-format", "dagwright-json", "--vars", FAIL_VARS)
    assert result.code == 1, str(result)
    events = [json.loads(line) for line in result.stdout.splitlines()]  # every line is JSON
    kinds = [e["event"] for e in events]
    assert kinds.count("run_started") == 1 and kinds.count("run_finished") == 1
    assert kinds.index("run_started") < min(i for i, k in enumerate(kinds) if k.startswith("node_"))
    assert kinds[-1] == "run_finished"
    rr = by_uid(ws.run_results())
    finished = [e for e in events if e["event"] == "node_finished"]
    assert sorted(e["unique_id"] for e in finished) == sorted(rr)  # exactly one outcome per node
    started = {e["unique_id"]: e for e in events if e["event"] == "node_started"}
    for event in finished:
        r = rr[event["unique_id"]]
        assert event["status"] == outcome(r) and event["message"] == r["message"]
        assert event["thread_id"] == r["thread_id"]
        assert event["timing"] == r["timing"]
        assert (event["unique_id"] in started) == bool(r["timing"])
        if r["timing"]:
            assert event["execute_seconds"] is not None and event["compile_seconds"] is not None
            assert started[event["unique_id"]]["index"] == event["index"]
    start = events[kinds.index("run_started")]
    assert start["threads"] == 2 and start["fail_fast"] is True and start["total"] == len(rr)
    end = events[-1]
    assert end["exit_code"] == 1
    assert end["counts"] == {"success": 2, "error": 1, "skipped": 2, "cancelled": 1}
    assert end["stop"]["kind"] == "fail-fast" and end["stop"]["trigger"].endswith("model_beta_a failed")
    assert Path(end["timeline"]).exists()
    assert any(e["event"] == "log" and e["message"].startswith("Done. PASS=2") for e in events)


# -- the terminal ---------------------------------------------------------------------------------
def run_in_pty(ws, *args: str, env: dict[str, str], timeout: float = 120) -> tuple[int, str]:
    """The CLI with a pseudo-terminal as stdout and stderr; returns (exit code, output)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(ws.cli(*args), cwd=ws.root, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = proc.wait(timeout=10)
    return code, b"".join(chunks).decode("utf-8", "replace")


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def test_live_progress_on_a_terminal(tmp_path: Path, templates) -> None:
    ws = article_from(tmp_path, templates["built"])
    env = {k: v for k, v in ws.env.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
    code, raw = run_in_pty(ws, "run", "--threads", "2", "--vars", FAIL_VARS, env=env)
    assert code == 1, raw
    assert "\x1b[" in raw  # drawn with colours and cursor moves
    text = ANSI.sub("", raw)
    assert re.search(r"\d/6 nodes done", text), text  # the live panel
    assert re.search(r"Thread-1 .*model_beta_\w .*\d+\.\ds", text), text  # a worker, its node, elapsed time
    assert re.search(r"Thread-2 .*model_beta_\w .*\d+\.\ds", text), text
    # finished nodes and the failure as it happens, then the summary
    assert re.search(r"ERROR creating sql table model main\.model_beta_a .*\[ERROR in", text), text
    assert "Could not convert string" in text.split("Finished running")[0]
    assert "Done. PASS=4 WARN=0 ERROR=1 SKIP=1 NO-OP=0 TOTAL=6" in text


def test_no_color_on_a_terminal_gives_the_plain_lines(tmp_path: Path, templates) -> None:
    ws = article_from(tmp_path, templates["built"])
    env = dict(ws.env, NO_COLOR="1", TERM="xterm-256color")
    code, raw = run_in_pty(ws, "run", "--threads", "2", "--vars", FAIL_VARS, env=env)
    assert code == 1, raw
    assert "\x1b[" not in raw
    text = raw.replace("\r\n", "\n")
    rr = ws.run_results()
    check_terminal(text, rr, article_relations())
    check_summary(text, rr)
    starts = [m for m in map(NODE_LINE.match, text.splitlines()) if m and m["word"] == "START"]
    assert len(starts) == 5


def test_plain_lines_when_piped_are_unchanged(tmp_path: Path, templates) -> None:
    """Not a terminal: the byte-compatible dbt-style lines, no escape codes, no JSON."""
    ws = article_from(tmp_path, templates["built"])
    result = ws.run("run", "--threads", "1", "--vars", FAIL_VARS)
    assert result.code == 1, str(result)
    assert "\x1b" not in result.stdout
    lines = [line for line in result.stdout.splitlines() if NODE_LINE.match(line)]
    assert len(lines) == 5 + 6  # START for each started node, an end line for each node
    assert re.search(
        r"^\d\d:\d\d:\d\d  3 of 6 START sql table model main\.model_beta_b \.{33} \[RUN\]$", result.stdout, re.M
    ), result.stdout
