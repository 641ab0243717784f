"""Running the CLI on a pseudo-terminal (``pty``), as a user's terminal runs it, and reading
back what the terminal shows: the live panel's frames, and the screen once it is gone."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time
from typing import Any

#: a control sequence: what the live panel's redraws consist of (cursor up, erase line...)
ESCAPE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")
#: every escape sequence and carriage return: what is left is the text drawn, frame after frame
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")


def read_pty(fd: int, until: float, wanted: bytes | None = None, seen: bytearray | None = None) -> bytearray:
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


def terminal_env(env: dict[str, str]) -> dict[str, str]:
    """A colour terminal of 120 columns (NO_COLOR would turn the live view off)."""
    out = {k: v for k, v in env.items() if k != "NO_COLOR"}
    out.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
    return out


def run_on_terminal(
    ws: Any, *args: str, stop_with: signal.Signals | None = None, timeout: float = 120
) -> tuple[int, bytes]:
    """The CLI on a pty (stdin, stdout and stderr); with ``stop_with``, that signal is sent
    once both article betas run. Returns (exit code, every byte the terminal received)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        ws.cli(*args),
        cwd=ws.root,
        env=terminal_env(ws.env),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        close_fds=True,
    )
    os.close(slave)
    try:
        raw = bytearray()
        if stop_with is not None:
            # the panel names both betas once both have started
            while b"model_beta_a" not in raw or b"model_beta_b" not in raw:
                before = len(raw)
                read_pty(master, time.monotonic() + 0.2, seen=raw)
                if proc.poll() is not None and len(raw) == before:
                    raise AssertionError(raw.decode("utf-8", "replace"))
            assert ws.wait_statements_running(2, timeout=10), "precondition: both betas run"
            proc.send_signal(stop_with)
        read_pty(master, time.monotonic() + timeout, seen=raw)
        code = proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, bytes(raw)


def drawn_text(raw: bytes) -> str:
    """Every frame and line drawn, in order, without the escape sequences."""
    return ANSI.sub("", raw.decode("utf-8", "replace"))


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


#: the word of a node's end line, per outcome
END_WORD = {"success": "OK created", "error": "ERROR", "cancelled": "CANCELLED", "skipped": "SKIP"}


def check_one_line_per_node(lines: list[str], run_results: dict[str, Any]) -> None:
    """Every article node's end line is on the screen once, a line of its own: no other
    node's name on it, one ``N of 6`` (after a stop they once ran together)."""
    from stop_helpers import ARTICLE_UIDS, by_uid, outcome

    results = by_uid(run_results)
    shown = "\n".join(lines)
    for name, uid in ARTICLE_UIDS.items():
        word = END_WORD[outcome(results[uid])]
        mine = [line for line in lines if re.search(rf"\d+ of 6 {word} .*\b{name}\b", line)]
        assert len(mine) == 1, f"{name} ({word}): {mine}\n{shown}"
        named = mine[0].split(" (")[0]  # a SKIP line names the upstream that failed, in parentheses
        others = [n for n in ARTICLE_UIDS if n != name and re.search(rf"\b{n}\b", named)]
        assert not others, f"{name}'s line runs into {others}: {mine[0]!r}"
        assert mine[0].count(" of 6 ") == 1, mine[0]
