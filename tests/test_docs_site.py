"""The documentation site ``docs generate`` writes (target/index.html) and ``docs serve``
serves: checked in headless Chromium through the page's views (the URL fragment), so what is
asserted is the DOM the page's script built — the node list and its search, a node's page
(columns with the catalog's types, tests with their last status, lineage), the overview's
graph — and the server answering on localhost and stopping on Ctrl-C."""

from __future__ import annotations

import html.parser
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from oracle import Twins
from test_observe import CHROMIUM, chromium

FILES = {
    "seeds/raw_people.csv": "id,name\n1,Ann\n2,Bo\n",
    "models/people.sql": "select id, upper(name) as name from {{ ref('raw_people') }}",
    "models/ages.sql": """
        {{ config(materialized='table', tags=['mart']) }}
        select id, 30 as age from {{ ref('people') }}
    """,
    "models/broken.sql": "select * from {{ ref('people') }} where nonexistent_column = 1",
    "models/schema.yml": """
        version: 2
        models:
          - name: ages
            description: "Ages <b>not HTML</b>, and </script> stays text."
            columns:
              - name: age
                description: Years.
                data_tests: [not_null]
    """,
}


class _Dom(html.parser.HTMLParser):
    """The elements the tests look at, by their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [
            a for t, a in self.attrs if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in wanted.items())
        ]

    def graph_nodes(self) -> set[str]:
        return {a["data-id"] for t, a in self.attrs if t == "g" and "node" in a.get("class", "").split()}


@pytest.fixture(scope="module")
def site(tmp_path_factory: Any) -> tuple[Twins, Path]:
    if CHROMIUM is None and not os.environ.get("CI"):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    twins = Twins(tmp_path_factory.mktemp("site"), FILES)
    assert twins.dagwright("build").returncode == 1  # broken fails: a status to show
    done = twins.dagwright("docs", "generate")
    assert done.returncode == 0, done.stderr
    return twins, twins.roots["dagwright"] / "target" / "index.html"


def _view(page: Path, fragment: str, tmp: Path) -> _Dom:
    name = re.sub(r"\W", "_", fragment) or "overview"
    done = chromium("--dump-dom", page.as_uri() + fragment, profile=tmp / f"profile-{name}")
    assert done.returncode == 0, done.stderr
    dom = _Dom()
    dom.feed(done.stdout)
    return dom


def test_page_is_self_contained(site: tuple[Twins, Path]) -> None:
    text = site[1].read_text(encoding="utf-8")
    assert "https://" not in text and "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "</script> stays" not in text  # the description cannot close the data's script element


def test_overview_lists_every_node_and_draws_the_lineage(site: tuple[Twins, Path], tmp_path: Path) -> None:
    dom = _view(site[1], "", tmp_path)
    (main,) = dom.find("main")
    assert main["data-view"] == "overview"
    (listing,) = dom.find("div", id="list")
    assert listing["data-count"] == "5"  # 3 models, 1 seed, 1 test
    assert dom.graph_nodes() == {"seed.proj.raw_people", "model.proj.people", "model.proj.ages", "model.proj.broken"}
    # the last build's outcomes, kept across docs generate's own compile
    listed = [a["data-id"] for a in dom.find("a") if a.get("data-id") and "s-error" in a.get("class", "")]
    assert listed == ["model.proj.broken"]


def test_a_node_page(site: tuple[Twins, Path], tmp_path: Path) -> None:
    dom = _view(site[1], "#node=model.proj.ages", tmp_path)
    (main,) = dom.find("main")
    assert main["data-view"] == "model.proj.ages"
    text = " ".join(t.strip() for t in dom.text if t.strip())
    assert "Ages <b>not HTML</b>, and </script> stays text." in text
    assert "INTEGER" in text  # the catalog's type of age
    assert "not_null pass" in text  # the column's test and its last status
    assert dom.graph_nodes() == {"model.proj.ages", "model.proj.people", "seed.proj.raw_people"}
    assert next(g for g in dom.find("g") if "focus" in g.get("class", ""))["data-id"] == "model.proj.ages"


@pytest.mark.parametrize(
    ("query", "count"), [("type:seed", "1"), ("tag:mart", "1"), ("ages", "2"), ("status:error", "1"), ("zzz", "0")]
)
def test_search(site: tuple[Twins, Path], tmp_path: Path, query: str, count: str) -> None:
    dom = _view(site[1], f"#q={query}", tmp_path)
    (listing,) = dom.find("div", id="list")
    assert listing["data-count"] == count
    if query == "ages":
        matched = [g["data-id"] for g in dom.find("g") if "match" in g.get("class", "").split()]
        assert matched == ["model.proj.ages"]


def test_screenshot(site: tuple[Twins, Path], tmp_path: Path) -> None:
    shot = tmp_path / "docs.png"
    done = chromium(
        f"--screenshot={shot}",
        "--window-size=1200,800",
        site[1].as_uri() + "#node=model.proj.people",
        profile=tmp_path / "shot",
    )
    assert done.returncode == 0, done.stderr
    assert shot.exists() and shot.stat().st_size > 10_000


def test_static_copy(site: tuple[Twins, Path]) -> None:
    twins, page = site
    assert twins.dagwright("docs", "generate", "--static", "--no-compile").returncode == 0
    assert (page.parent / "static_index.html").read_text() == page.read_text()


def test_serve_answers_and_stops_on_ctrl_c(site: tuple[Twins, Path]) -> None:
    root = site[0].roots["dagwright"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagwright.cli",
            "docs",
            "serve",
            "--project-dir",
            str(root),
            "--port",
            "0",
            "--no-browser",
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        address = re.search(r"http://\S+", line)
        assert address, line
        with urllib.request.urlopen(address.group(0), timeout=10) as response:
            body = response.read().decode()
        assert json.loads(re.search(r"<script id='data' type='application/json'>(.*?)</script>", body).group(1))
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "Stopped serving" in out
