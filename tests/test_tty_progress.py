"""Live progress on a real terminal (issue 14, item 14): after Ctrl-C while two nodes run,
every CANCELLED and SKIP line is a line of its own.

The run is started on a pseudo-terminal (``pty``), so dagwright shows its live panel; SIGINT
goes to the process while both betas run; what the terminal received is then read back with
the live panel's redraws taken out (rich moves the cursor up and erases the panel before it
prints lines above it).
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

from stop_helpers import ARTICLE_UIDS, SIGINT_TEXT, SLOW_BETAS, article_workspace, by_uid, outcome

#: a control sequence: what the live panel's redraws consist of (cursor up, erase line...)
ESCAPE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")
NODE_WORDS = ("OK created", "CANCELLED", "SKIP", "ERROR", "PASS")


def _read(fd: int, until: float, wanted: bytes | None = None, seen: bytearray | None = None) -> bytearray:
    out = seen if seen is not None else bytearray()
    while time.monotonic() < until:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out.extend(chunk)
        if wanted is not None and wanted in out:
            break
    return out


def screen_lines(raw: bytes) -> list[str]:
    """What the terminal shows at the end, as a minimal terminal would draw the bytes: text
    overwrites from the cursor, ``\\r`` and ``\\n`` move it, ``ESC[nA`` moves it up, ``ESC[2K``
    erases its line, other sequences (colours, cursor visibility) draw nothing."""
    rows: list[list[str]] = [[]]
    row = col = 0
    text = raw.decode("utf-8", "replace")
    i = 0
    while i < len(text):
        match = ESCAPE.match(text, i)
        if match:
            arg, code = match.group(1), match.group(2)
            if code == "A":
                row = max(0, row - int(arg or 1))
            elif code == "K" and arg == "2":
                rows[row] = []
            elif code == "K":
                del rows[row][col:]
            i = match.end()
            continue
        char = text[i]
        i += 1
        if char == "\r":
            col = 0
        elif char == "\n":
            row, col = row + 1, 0
            if row == len(rows):
                rows.append([])
        else:
            line = rows[row]
            line.extend(" " * (col - len(line)))
            if col < len(line):
                line[col] = char
            else:
                line.append(char)
            col += 1
    return [shown for shown in ("".join(r).rstrip() for r in rows) if shown]


def test_cancelled_and_skip_lines_each_on_their_own_line(tmp_path: Path) -> None:
    ws = article_workspace(tmp_path)
    ws.ok("seed")
    ws.ok("run")
    master, slave = pty.openpty()
    env = {**ws.env, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        ws.cli("run", "--threads", "2", "--vars", SLOW_BETAS),
        cwd=ws.root,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    try:
        raw = _read(master, time.monotonic() + 60, wanted=b"model_beta_b")
        assert b"model_beta_b" in raw, raw.decode("utf-8", "replace")
        assert ws.wait_statements_running(2, timeout=10), "precondition: both betas run"
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        _read(master, time.monotonic() + 2, seen=raw)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert proc.returncode == 130
    lines = screen_lines(bytes(raw))
    node_lines = [line for line in lines if re.search(r"\d+ of \d+ ", line) and any(w in line for w in NODE_WORDS)]
    results = by_uid(ws.run_results())
    stopped = {name: outcome(results[uid]) for name, uid in ARTICLE_UIDS.items() if outcome(results[uid]) != "success"}
    assert stopped == {
        "model_beta_a": "cancelled",
        "model_beta_b": "cancelled",
        "model_gamma_a": "skipped",
        "model_gamma_b": "skipped",
    }
    for name, status in stopped.items():
        word = "CANCELLED" if status == "cancelled" else "SKIP"
        mine = [line for line in node_lines if re.search(rf"\b{name}\b", line) and word in line]
        assert len(mine) == 1, f"{name}: {mine}\n" + "\n".join(lines)
        # one node per line: no other node's name or outcome word on it
        others = [n for n in ARTICLE_UIDS if n != name and re.search(rf"\b{n}\b", mine[0])]
        assert not others, f"{name}'s line runs into {others}: {mine[0]!r}"
        assert mine[0].count(" of 6 ") == 1, mine[0]
    assert any(SIGINT_TEXT in line for line in lines), "\n".join(lines)
