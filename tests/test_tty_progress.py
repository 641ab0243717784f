"""Live progress on a real terminal (issue 14, item 14): after Ctrl-C while two nodes run,
every CANCELLED and SKIP line is a line of its own.

The run is started on a pseudo-terminal (``pty``), so dagwright shows its live panel; SIGINT
goes to the process while both betas run; what the terminal received is then read back with
the live panel's redraws taken out (rich moves the cursor up and erases the panel before it
prints lines above it). SIGTERM and --fail-fast: tests/test_live_progress.py.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from stop_helpers import ARTICLE_UIDS, SIGINT_TEXT, SLOW_BETAS, article_from, article_template, by_uid, outcome
from tty_helpers import check_one_line_per_node, run_on_terminal, screen_lines


def test_cancelled_and_skip_lines_each_on_their_own_line(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    ws = article_from(tmp_path, article_template("built", tmp_path_factory.mktemp("tty-templates")))
    code, raw = run_on_terminal(ws, "run", "--threads", "2", "--vars", SLOW_BETAS, stop_with=signal.SIGINT)
    assert code == 130
    lines = screen_lines(raw)
    results = by_uid(ws.run_results())
    stopped = {name: outcome(results[uid]) for name, uid in ARTICLE_UIDS.items() if outcome(results[uid]) != "success"}
    assert stopped == {
        "model_beta_a": "cancelled",
        "model_beta_b": "cancelled",
        "model_gamma_a": "skipped",
        "model_gamma_b": "skipped",
    }
    check_one_line_per_node(lines, ws.run_results())
    assert any(SIGINT_TEXT in line for line in lines), "\n".join(lines)
