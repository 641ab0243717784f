"""Live progress on a terminal (issue 20): the ETA from the history of runs and the critical
path, the counts of done/running/queued/failed/skipped/cancelled, each thread's node against
its usual duration, and the end lines one per line after SIGTERM and --fail-fast (SIGINT:
tests/test_tty_progress.py). The real CLI on DuckDB, on a pseudo-terminal; the panel's frames
read back as drawn, the screen at the end as a terminal shows it.

One built article per module; each run on the terminal takes a few seconds.
"""

from __future__ import annotations

import re
import shutil
import signal
from pathlib import Path

import pytest

from dagwright.artifacts.run_history import history_folder, record_run
from stop_helpers import (
    ARTICLE_UIDS,
    FAIL_VARS,
    SIGTERM_TEXT,
    SLOW_BETAS,
    Workspace,
    article_from,
    article_template,
)
from tty_helpers import check_one_line_per_node, drawn_text, run_on_terminal, screen_lines

#: what the crafted history says each node usually takes (model_gamma_b never ran)
USUAL = {
    # above what they take even on a loaded machine: not past their usual time while they run
    "stg_orders": 2.0,
    "model_alpha": 2.0,
    "model_beta_a": 4.0,  # fails after ~1 s: the ETA drops when it ends
    "model_beta_b": 0.1,  # runs ~1.5 s: far past its usual
    "model_gamma_a": 0.05,
}
#: FAIL_VARS with model_beta_b's 3 s cut to 1.5 s: enough to be far past its usual 0.1 s
BETA_B_15 = "{fail_model: model_beta_a, durations: {model_beta_a: 1, model_beta_b: 1.5}}"
ETA = re.compile(r"ETA ([~>]?)(<1s|\d+s|\d+m\d\ds|overdue)( \(rough)?")


def _seconds(text: str) -> float:
    if text in ("<1s", "overdue"):
        return 0.5
    minutes, _, seconds = text.rstrip("s").rpartition("m")
    return int(minutes or 0) * 60 + int(seconds)


def write_history(target: Path, usual: dict[str, float], runs: int = 3) -> None:
    """``runs`` earlier runs in target/history, each node taking its usual time."""
    shutil.rmtree(history_folder(target), ignore_errors=True)
    for n in range(runs):
        record_run(
            target,
            {
                "metadata": {"generated_at": f"2026-01-0{n + 1}T00:00:00.000000Z", "invocation_id": f"earlier-{n}"},
                "results": [
                    {"unique_id": ARTICLE_UIDS[name], "status": "success", "execution_time": seconds}
                    for name, seconds in usual.items()
                ],
            },
            keep=20,
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    return article_template("built", tmp_path_factory.mktemp("live-templates"))


@pytest.fixture
def ws(tmp_path: Path, built) -> Workspace:
    return article_from(tmp_path, built)


def test_eta_counts_and_threads_against_their_usual_time(ws: Workspace) -> None:
    write_history(ws.target, USUAL)
    code, raw = run_on_terminal(ws, "run", "--threads", "2", "--vars", BETA_B_15)
    assert code == 1, raw.decode("utf-8", "replace")
    text = drawn_text(raw)
    panel = text.split("Finished running")[0]
    # the ETA: rough while model_gamma_b (never ran) is left, and it follows the run: the chain
    # stg_orders, alpha, beta_a, gamma_a (2 + 2 + 4 + 0.05 s) at first, or, as stg_orders and
    # alpha take milliseconds in fact and may be done by the first frame, at least what is left
    # of beta_a's usual 4 s then gamma_a (beta_a fails after ~1 s); a lower bound once beta_b is
    # past its usual time; at most gamma_b's guess (the median, 2 s) once beta_a failed
    etas = ETA.findall(panel)
    assert etas, panel
    assert etas[0][0] == "~" and _seconds(etas[0][1]) >= 3, etas
    assert re.search(r"ETA ~\d+s \(rough: 1 never ran\)", panel), panel
    assert re.search(r"ETA (>\d+s|overdue) \(1 past usual; rough: 1 never ran\)", panel), panel
    assert _seconds(etas[-1][1]) <= 2, etas
    # the counts, while both betas run and after beta_a failed (gamma_a skipped)
    assert re.search(r"2 running  2 queued  0 failed  0 skipped", panel), panel
    assert re.search(r"\d running  \d queued  1 failed  1 skipped", panel), panel
    assert "cancelled" not in panel  # no stop, nothing cancelled
    # each thread: its node, how long it has run against its usual time; beta_b flagged
    assert re.search(r"Thread-\d .*model_beta_a +\d+\.\ds / usual 4\.0s(?! slow)", panel), panel
    assert re.search(r"Thread-\d .*model_beta_b +[1-9]\d*\.\ds / usual 0\.1s slow", panel), panel
    if re.search(r"Thread-\d .*model_gamma_b", panel):  # it runs for a moment: maybe never drawn
        assert re.search(r"Thread-\d .*model_gamma_b +\d+\.\ds / usual \?", panel), panel
    # the panel is gone at the end: the node lines and the summary are what stays
    lines = screen_lines(raw)
    assert not any("ETA" in line or line.startswith("Thread-") for line in lines), lines
    check_one_line_per_node(lines, ws.run_results())
    assert lines[-1].endswith("Done. PASS=4 WARN=0 ERROR=1 SKIP=1 NO-OP=0 TOTAL=6"), lines


def test_fail_fast_with_no_history_then_sigterm(ws: Workspace) -> None:
    """No earlier run: the ETA says it is unknown, the threads show their time alone. After the
    stop the cancelled count shows, and every end line is one line."""
    shutil.rmtree(history_folder(ws.target))
    code, raw = run_on_terminal(ws, "run", "--threads", "2", "--fail-fast", "--vars", FAIL_VARS)
    assert code == 1, raw.decode("utf-8", "replace")
    panel = drawn_text(raw).split("Finished running")[0]
    assert "ETA unknown (no earlier runs)" in panel and not ETA.search(panel), panel
    assert re.search(r"Thread-\d .*model_beta_b +\d+\.\ds(?! /)", panel), panel
    assert "usual" not in panel
    assert re.search(r"6/6 nodes done .*\n.*0 running  0 queued  1 failed  2 skipped  1 cancelled", panel), panel
    check_one_line_per_node(screen_lines(raw), ws.run_results())

    # SIGTERM while both betas run: the history now has the fail-fast run's two successes
    code, raw = run_on_terminal(ws, "run", "--threads", "2", "--vars", SLOW_BETAS, stop_with=signal.SIGTERM)
    assert code == 143, raw.decode("utf-8", "replace")
    panel = drawn_text(raw).split("Finished running")[0]
    assert ETA.search(panel) and "rough: 4 never ran)" in panel, panel
    assert re.search(r"0 running  0 queued  0 failed  2 skipped  2 cancelled", panel), panel
    lines = screen_lines(raw)
    check_one_line_per_node(lines, ws.run_results())
    assert any(SIGTERM_TEXT in line for line in lines), lines
