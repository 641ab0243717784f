"""Issue 20: the run timeline page at scale. The model (why a node started when it did, the
critical path through completed nodes, the header, history), and the page in headless
Chromium: search, filters, zoom, sort, labels, screenshots. One hand-made run
(tests/timeline_run.py) drawn once and opened at several URL fragments."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import Element, chromium, dom_of, embedded_data, need_chromium, page_dom, png_colours
from dagwright.report.timeline import critical_path, readable_name
from dagwright.report.timeline_facts import page_timeline
from dagwright.report.timeline_html import change_text, render_html
from timeline_run import ERROR_TEXT, LONG, synthetic_run

M = "model.shop."


@pytest.fixture(scope="module")
def drawing():
    data, manifest = synthetic_run()
    return page_timeline(data, manifest=manifest)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, drawing) -> Path:
    path = tmp_path_factory.mktemp("timeline-page") / "timeline.html"
    path.write_text(render_html(drawing), encoding="utf-8")
    return path


# -- the model ----------------------------------------------------------------------------------
def test_why_each_node_started_when_it_did(drawing) -> None:
    bars = {b.unique_id: b for b in drawing.bars}
    enriched = bars[M + "orders_enriched"]
    # its upstreams: stg_orders (ended +3.0) and customers (+2.5); it started at +3.2 on a thread
    # that had been busy with a test: 0.2 s in the queue
    assert enriched.waited_on == M + "stg_orders" and enriched.ready == pytest.approx(3.0)
    assert enriched.queue_seconds == pytest.approx(0.2)
    assert bars["seed.shop.raw_orders"].waited_on is None and bars["seed.shop.raw_orders"].ready == 0.0
    assert bars[M + "revenue"].queue_seconds is None  # never ran
    # each thread's idle time, between the run's start and its end (+4.1)
    assert drawing.idle == pytest.approx({"Thread-1 (worker)": 0.0, "Thread-2 (worker)": 1.2, "Thread-3 (worker)": 3.1})


def test_the_critical_path_runs_only_through_completed_nodes(drawing) -> None:
    # raw_orders -> stg_orders -> orders_daily (cancelled) is 4.1 s; it did not complete
    assert drawing.critical_path == ["seed.shop.raw_orders", M + "stg_orders", M + "orders_enriched"]
    data, manifest = synthetic_run()
    fresh = page_timeline(data, manifest=manifest)
    for bar in fresh.bars:
        if bar.status == "cancelled":  # had it completed, the chain would end there
            bar.status = "success"
    assert critical_path(fresh.bars, manifest["parent_map"])[-1] == M + "orders_daily"


def test_header_names_and_kinds(drawing) -> None:
    h = drawing.header
    assert h["project"] == "shop" and h["engine"] == "bigquery" and h["version"] == "dagwright 9.9.9"
    assert h["threads"] == 3
    assert h["command"] == (
        "dagwright build --select +orders_daily revenue --exclude tag:slow --threads 3 --fail-fast "
        """--vars '{"day": "2026-01-01"}'"""
    )
    assert h["selection"] == "--select +orders_daily revenue --exclude tag:slow"
    names = {b.unique_id: (b.name, b.resource_type) for b in drawing.bars}
    assert names["test.shop.not_null_stg_orders_order_id.e2f8a4d3b8"] == ("not_null_stg_orders_order_id", "test")
    assert names["seed.shop.raw_orders"] == ("raw_orders", "seed")
    # without a manifest: the hash dropped from the unique_id all the same
    assert readable_name("test.shop.unique_stg_orders_order_id.1a2b3c4d5e") == "unique_stg_orders_order_id"
    data, _ = synthetic_run()
    bare = page_timeline(data)
    assert bare.header["project"] is None and bare.header["engine"] is None
    # a run dbt-core wrote says so
    del data["args"]["dagwright"]
    data["metadata"]["dbt_version"] = "1.11.16"
    assert page_timeline(data).header["version"] == "dbt-core 1.11.16"
    assert {b.name for b in bare.bars} >= {"not_null_stg_orders_order_id", "stg_orders"}


def test_history_column_from_previous_durations(drawing) -> None:
    stg = next(b for b in drawing.bars if b.unique_id == M + "stg_orders")
    assert stg.previous == (1.5, 1.4, 1.6)
    assert change_text(0.333) == "+33% slower" and change_text(-0.2) == "-20% faster" and change_text(0.001) == "same"
    nodes = {n["id"]: n for n in embedded_data(render_html(drawing))["nodes"]}
    assert nodes[M + "stg_orders"]["median"] == 1.5 and nodes[M + "stg_orders"]["change_text"] == "+33% slower"
    assert "previous" not in nodes[M + "customers"] and "median" not in nodes[M + "customers"]
    # or given beside the run, per unique_id (a result's own list wins)
    data, manifest = synthetic_run()
    given = page_timeline(data, manifest=manifest, previous={M + "customers": [3.2, 3.0], M + "stg_orders": [9.0]})
    nodes = {n["id"]: n for n in embedded_data(render_html(given))["nodes"]}
    assert nodes[M + "customers"]["change_text"] == "-48% faster" and nodes[M + "customers"]["median"] == 3.1
    assert nodes[M + "stg_orders"]["median"] == 1.5
    # BigQuery's bytes and job, every engine's rows
    nodes = {n["id"]: n for n in embedded_data(render_html(drawing))["nodes"]}
    assert nodes[M + "stg_orders"]["bytes_text"] == "1.5 KiB" and nodes[M + "stg_orders"]["job"] == "p:EU.job_1"
    assert nodes["seed.shop.raw_orders"]["rows"] == 20


def test_the_page_is_one_self_contained_file(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
    assert "<script src" not in text and "<link" not in text
    # a message cannot end the data's script element
    data, manifest = synthetic_run()
    data["results"][0]["message"] = "</script><script>alert(1)</script>"
    evil = render_html(page_timeline(data, manifest=manifest))
    assert evil.count("</script>") == 2 and embedded_data(evil)["nodes"][0]["msg"].startswith("</script>")


# -- in the browser -----------------------------------------------------------------------------
def _rows(dom: Element) -> list[Element]:
    return dom.find("table", id="nodes").find_all("tr", None)[1:]


def _cell(row: Element, key: str) -> str:
    return row.find("td", cls=key).text.strip()


def test_page_whole_run(page: Path, tmp_path: Path) -> None:
    need_chromium()
    dom = page_dom(page, tmp_path / "p", "audit=1")
    facts = {dd.attrs["data-fact"]: dd.text for dd in dom.find_all("dd")}
    assert facts["project"] == "shop" and facts["engine"] == "bigquery" and facts["threads"] == "3"
    assert facts["version"] == "dagwright 9.9.9" and facts["selection"].startswith("--select +orders_daily")
    assert "dagwright build --select" in dom.find("p", cls="cmd").text
    # every node drawn once, in its lane; the critical path outlined; a lane's idle time
    nodes = {g.attrs["data-uid"]: g for g in dom.find_all("g", cls="node")}
    assert len(nodes) == 11
    assert {u for u, g in nodes.items() if g.attrs["data-critical"] == "true"} == {
        "seed.shop.raw_orders",
        M + "stg_orders",
        M + "orders_enriched",
    }
    assert [t.text for t in dom.find_all("text", cls="idle")] == [
        "idle 0s (0%)",
        "idle 1.20s (29%)",
        "idle 3.10s (76%)",
    ]
    # labels: none cut by the plot's edges (the long name of the not-run lane goes left of its
    # marker), none over another
    chart = dom.find("div", id="chart")
    assert int(chart.attrs["data-labels"]) >= 6
    assert chart.attrs["data-labels-cut"] == "0" and chart.attrs["data-labels-overlapping"] == "0"
    assert LONG in [t.text for t in dom.find_all("text", cls="bar-label")]
    # back-to-back bars on Thread-2 stay apart; the millisecond node is 3 px wide at least
    bars = {u: {r.attrs["class"]: r.attrs for r in g.find_all("rect")} for u, g in nodes.items()}
    stg_end = float(bars[M + "stg_customers"]["exec"]["x"]) + float(bars[M + "stg_customers"]["exec"]["width"])
    tiny = bars[M + "tiny_model"]["exec"]
    assert float(tiny["width"]) >= 3
    customers_start = float(bars[M + "customers"]["comp"]["x"])
    assert customers_start - stg_end >= 0.9
    # a test is a thinner bar than a model
    assert bars["test.shop.not_null_stg_orders_order_id.e2f8a4d3b8"]["exec"]["height"] == "14"
    assert bars[M + "customers"]["exec"]["height"] == "22"
    # the table: kinds, readable test names, the error's full text, waits, history, bytes
    rows = {r.attrs["data-uid"]: r for r in _rows(dom)}
    assert len(rows) == 11 and dom.find("p", id="count").text == "11 of 11 nodes"
    test_row = rows["test.shop.not_null_stg_orders_order_id.e2f8a4d3b8"]
    assert _cell(test_row, "name") == "not_null_stg_orders_order_id" and _cell(test_row, "type").startswith("test")
    enriched = rows[M + "orders_enriched"]
    assert _cell(enriched, "msg") == ERROR_TEXT
    assert _cell(enriched, "waited") == "stg_orders" and _cell(enriched, "queue") == "0.20s"
    stg = rows[M + "stg_orders"]
    assert _cell(stg, "change").startswith("+33% slower") and "median 1.50s of 3" in _cell(stg, "change")
    assert _cell(stg, "bytes") == "1.5 KiB" and _cell(stg, "rows") == "120" and _cell(stg, "job") == "p:EU.job_1"
    assert int(dom.find("body").attrs["data-ready-ms"]) >= 0
    # and a picture of it
    shot = tmp_path / "page.png"
    done = chromium(f"--screenshot={shot}", "--window-size=1200,900", page.as_uri(), profile=tmp_path / "s")
    assert done.returncode == 0, done.stderr
    assert shot.stat().st_size > 20_000 and png_colours(shot) > 100


def test_page_search_sort_and_zoom_from_the_fragment(page: Path, tmp_path: Path) -> None:
    need_chromium()
    dom = page_dom(page, tmp_path / "p", "q=tiny&zoom=4&at=1&sort=-dur&chart=1")
    assert dom.find("input", id="q").attrs["value"] == "tiny"
    assert "chart-only" in dom.find("body").classes  # the chart alone, as another page may show it
    nodes = {g.attrs["data-uid"]: g for g in dom.find_all("g", cls="node")}
    # the match highlighted and at least 7 px wide; the others dimmed
    assert nodes[M + "tiny_model"].classes == {"node", "hit"}
    assert float(nodes[M + "tiny_model"].find("rect", cls="exec").attrs["width"]) >= 7
    assert all("dim" in g.classes for u, g in nodes.items() if u != M + "tiny_model")
    assert [r.attrs["data-uid"] for r in _rows(dom)] == [M + "tiny_model"]
    # zoom 4 around +1 s: a window of 4.1/4 s; only the bars in it are drawn
    chart = dom.find("div", id="chart")
    start, end = float(chart.attrs["data-from"]), float(chart.attrs["data-to"])
    assert end - start == pytest.approx(4.1 / 4, abs=1e-3) and start < 1 < end
    assert M + "orders_enriched" not in nodes and M + "stg_orders" in nodes
    assert "showing +" in dom.find("text", cls="window").text


def test_page_filters_and_sort(page: Path, tmp_path: Path) -> None:
    need_chromium()
    dom = page_dom(page, tmp_path / "p", f"status=error,cancelled&type=model&sort=-dur&focus={M}orders_enriched")
    assert [r.attrs["data-uid"] for r in _rows(dom)] == [M + "orders_daily", M + "orders_enriched"]
    assert dom.find("th", data_key="dur").text.endswith("▼")
    # a focused node: a line from the end of the upstream it waited on to its start
    waitline = dom.find("g", id="waitline")
    link, queue = waitline.find_all("line")
    assert float(link.attrs["x1"]) == pytest.approx(float(queue.attrs["x1"]))  # stg_orders ended when it was ready
    assert float(queue.attrs["x2"]) > float(queue.attrs["x1"])  # then 0.2 s in the queue
    dom = page_dom(page, tmp_path / "p", "tag=nightly&thread=Thread-1&from=2.9&to=3.3&sort=name")
    assert [r.attrs["data-uid"] for r in _rows(dom)] == [M + "stg_orders"]
    chart = dom.find("div", id="chart")
    assert (chart.attrs["data-from"], chart.attrs["data-to"]) == ("2.9000", "3.3000")
    drawn = {g.attrs["data-uid"] for g in dom.find_all("g", cls="node")}
    assert "seed.shop.raw_orders" not in drawn  # ended at +1.0, out of the window
    ticks = [t.text for t in dom.find_all("text", cls="tick")]
    assert ticks[0] == "2.90s" and ticks[-1] == "3.30s"


# the user's hands: a wheel turn, a drag, a click on a header, a word typed in the search
HANDS = """<script>
window.addEventListener('load', function () {
  var chart = document.getElementById('chart'), box = chart.getBoundingClientRect(), y = box.top + 50;
  var mark = function (k) { document.body.setAttribute('data-' + k, DW.state.from + ',' + DW.state.to); };
  chart.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: box.left + box.width / 2, clientY: y,
                                               bubbles: true, cancelable: true}));
  mark('wheel');
  chart.dispatchEvent(new MouseEvent('mousedown', {button: 0, clientX: 500, clientY: y, bubbles: true}));
  window.dispatchEvent(new MouseEvent('mousemove', {clientX: 600, clientY: y}));
  window.dispatchEvent(new MouseEvent('mouseup', {clientX: 600, clientY: y}));
  mark('drag');
  document.dispatchEvent(new KeyboardEvent('keydown', {key: '0', bubbles: true}));
  mark('key0');
  document.dispatchEvent(new KeyboardEvent('keydown', {key: '+', bubbles: true}));
  mark('keyplus');
  document.querySelector('th[data-key=dur]').click();
  var q = document.getElementById('q');
  q.value = 'customers';
  q.dispatchEvent(new Event('input'));
  setTimeout(function () { document.body.setAttribute('data-hash', location.hash); }, 600);
});
</script>
</body>"""


def test_page_answers_the_mouse_and_the_keys(page: Path, tmp_path: Path) -> None:
    need_chromium()
    driven = tmp_path / "driven.html"
    driven.write_text(page.read_text(encoding="utf-8").replace("</body>", HANDS), encoding="utf-8")
    done = chromium(
        "--virtual-time-budget=5000", "--window-size=1200,900", "--dump-dom", driven.as_uri(), profile=tmp_path / "p"
    )
    assert done.returncode == 0, done.stderr
    dom = dom_of(done.stdout)
    body = dom.find("body").attrs
    # the wheel zoomed in around the pointer: 0.8 of the run's 4.1 s
    start, end = map(float, body["data-wheel"].split(","))
    assert end - start == pytest.approx(4.1 * 0.8, abs=1e-3) and start > 0
    # dragging right by 100 px moved the window earlier, same width
    start2, end2 = map(float, body["data-drag"].split(","))
    assert start2 < start and end2 - start2 == pytest.approx(end - start, abs=1e-3)
    # keys: 0 the whole run, + zooms in twice around the middle
    assert body["data-key0"] == "0,4.1"
    assert tuple(map(float, body["data-keyplus"].split(","))) == pytest.approx((1.025, 3.075))
    # the header click sorted by duration, longest first; the search kept two nodes
    assert "sort=-dur" in body["data-hash"] and "q=customers" in body["data-hash"]
    chart = dom.find("div", id="chart")  # and the chart drawn for that window
    assert float(chart.attrs["data-from"]) == pytest.approx(1.025, abs=1e-3)
    assert [r.attrs["data-uid"] for r in _rows(dom)] == [M + "customers", M + "stg_customers"]


def test_the_wheel_carries_the_page_s_files() -> None:
    import tomllib

    from dagwright.report.timeline_html import SCRIPTS

    data = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    listed = data["tool"]["setuptools"]["package-data"]["dagwright"]
    for name in (*SCRIPTS, "timeline.css"):
        assert f"report/{name}" in listed, name


def test_many_nodes_stopped_at_one_moment_keep_their_labels_whole(tmp_path: Path) -> None:
    """A fail-fast stop decides many nodes at one moment: their markers stack in rows, a name
    that finds no room is left out (the node is still drawn, in the table and found by search)."""
    need_chromium()
    data, manifest = synthetic_run()
    for i in range(60):
        data["results"].append(
            {"status": "skipped", "timing": [], "thread_id": "", "message": "not started: fail-fast",
             "unique_id": f"model.shop.waiting_model_number_{i:02d}", "adapter_response": {}}
        )  # fmt: skip
    path = tmp_path / "stopped.html"
    path.write_text(render_html(page_timeline(data, manifest=manifest)), encoding="utf-8")
    dom = page_dom(path, tmp_path / "p", "audit=1")
    chart = dom.find("div", id="chart")
    assert chart.attrs["data-labels-cut"] == "0" and chart.attrs["data-labels-overlapping"] == "0"
    assert len(dom.find_all("g", cls="node")) == 71
    assert 12 <= int(chart.attrs["data-labels"]) < 71
