"""``dagwright.api.start(...)`` then ``handle.cancel()``: the same stop path as fail-fast and
the signals, with the trigger "cancelled by cancel()"."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import dagwright.api
from stop_helpers import (
    ARTICLE_UIDS,
    CANCEL_TEXT,
    PREVIOUS,
    STATUSES,
    article_from,
    article_states,
    article_template,
    by_uid,
    cancelled,
    check_article_run,
    expected_state,
    not_started,
    ok,
    outcome,
    stop_record,
    stop_time,
    timing,
)

SLOW_BETAS = {"durations": {"model_beta_a": 3, "model_beta_b": 3}}
BETA_STARTS = ("START sql table model main.model_beta_a", "START sql table model main.model_beta_b")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("article-templates")
    return {kind: article_template(kind, base) for kind in ("seeded", "built")}


def wait_for_output(handle: dagwright.api.RunHandle, wanted: tuple[str, ...], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(w in handle.output for w in wanted):
        if time.monotonic() > deadline:
            handle.cancel()
            handle.wait(30)
            pytest.fail("the betas never started:\n" + handle.output)
        time.sleep(0.01)


@pytest.mark.parametrize("kind", ["seeded", "built"], ids=["empty", "built"])
def test_cancel_while_betas_run(tmp_path: Path, templates, kind: str) -> None:
    template = templates[kind]
    ws = article_from(tmp_path, template)
    handle = dagwright.api.start(
        "run", project_dir=str(ws.root), profiles_dir=str(ws.profiles_dir), vars=SLOW_BETAS, threads=2
    )
    wait_for_output(handle, BETA_STARTS)
    time.sleep(0.4)  # both statements under way
    cancelled_at = time.monotonic()
    handle.cancel()
    summary = handle.wait(timeout=30)
    assert time.monotonic() - cancelled_at < 2.0

    assert summary.stop_kind == "cancel"
    assert summary.stop_trigger == CANCEL_TEXT
    expected = {
        "stg_orders": ok(),
        "model_alpha": ok(),
        "model_beta_a": cancelled(CANCEL_TEXT),
        "model_beta_b": cancelled(CANCEL_TEXT),
        "model_gamma_a": not_started(CANCEL_TEXT),
        "model_gamma_b": not_started(CANCEL_TEXT),
    }
    # the api prints node lines (no summary line): check those against run_results.json
    rr = check_article_run(ws, handle.output, expected, template.invocation_id, summary=False)
    assert stop_record(rr)["kind"] == "cancel"
    assert stop_record(rr)["trigger"] == CANCEL_TEXT
    # the summary the api returns is the file's content
    assert {r.unique_id: r.status for r in summary.results} == {r["unique_id"]: outcome(r) for r in rr["results"]}

    # the reaction: both statements end right after the stop
    results = by_uid(rr)
    at = stop_time(rr)
    assert at is not None, rr["metadata"]
    for name in ("model_beta_a", "model_beta_b"):
        end = timing(results[ARTICLE_UIDS[name]], "execute")[1]
        assert (end - at).total_seconds() < 0.3, (name, results[ARTICLE_UIDS[name]])


def test_cancel_right_after_start(tmp_path: Path, templates) -> None:
    """cancel() right after start(): every node has an outcome that the warehouse confirms;
    the betas (behind 3 s of work) and the gammas cannot have been published."""
    template = templates["built"]
    ws = article_from(tmp_path, template)
    handle = dagwright.api.start(
        "run", project_dir=str(ws.root), profiles_dir=str(ws.profiles_dir), vars=SLOW_BETAS, threads=2
    )
    handle.cancel()
    handle.cancel()  # a second cancel changes nothing
    summary = handle.wait(timeout=30)
    assert summary.stop_trigger == CANCEL_TEXT
    rr = ws.run_results()
    results = by_uid(rr)
    assert set(results) == set(ARTICLE_UIDS.values())
    states = article_states(ws, rr["metadata"]["invocation_id"], template.invocation_id)
    for name, uid in ARTICLE_UIDS.items():
        result = results[uid]
        assert outcome(result) in STATUSES, result
        assert states[name] == expected_state(outcome(result), template.invocation_id), (name, result, states)
        if outcome(result) != "success":
            assert CANCEL_TEXT in result["message"], result
    for name in ("model_beta_a", "model_beta_b", "model_gamma_a", "model_gamma_b"):
        assert outcome(results[ARTICLE_UIDS[name]]) in ("cancelled", "skipped"), results[ARTICLE_UIDS[name]]
        assert states[name] == PREVIOUS
    assert ws.temp_relations() == []


def test_cancel_after_the_run_finished_changes_nothing(tmp_path: Path, templates) -> None:
    template = templates["seeded"]
    ws = article_from(tmp_path, template)
    handle = dagwright.api.start("run", project_dir=str(ws.root), profiles_dir=str(ws.profiles_dir), threads=2)
    summary = handle.wait(timeout=60)
    handle.cancel()
    assert summary.stop_kind is None
    rr = ws.run_results()
    assert {outcome(r) for r in rr["results"]} == {"success"}
    assert not stop_record(rr)
