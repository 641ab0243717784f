"""Standard output that a closed reader cannot break.

When whoever reads dagwright's output goes away (``dagwright run | head -3``), a write to
stdout raises ``BrokenPipeError``. Raised in a worker thread or in the middle of the stop
path, that used to end the process with no run_results.json while nodes it had started went
on in the warehouse. Output that cannot be delivered is dropped instead: the run goes on to
its end, writes its artifacts and exits with its own code, so the artifacts and the warehouse
still agree (one line on stderr says that the output was cut)."""

from __future__ import annotations

import errno
import os
import sys
import threading
from typing import Any, TextIO


class DroppingStream:
    """A text stream over ``inner`` that stops writing, silently, once its reader is gone."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner
        self._closed = False
        self._lock = threading.Lock()

    @property
    def reader_gone(self) -> bool:
        return self._closed

    def _gone(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:  # later flushes (at exit too) go nowhere instead of failing again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._inner.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        try:
            sys.stderr.write("dagwright: stdout was closed by its reader; the rest of the output is dropped\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    def write(self, text: str) -> int:
        if self._closed:
            return len(text)
        try:
            return self._inner.write(text)
        except BrokenPipeError:
            self._gone()
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            self._gone()
        return len(text)

    def flush(self) -> None:
        if self._closed:
            return
        try:
            self._inner.flush()
        except BrokenPipeError:
            self._gone()
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            self._gone()

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, ...
        return getattr(self._inner, name)


def protect_stdout() -> None:
    """Replace ``sys.stdout`` with a ``DroppingStream`` (once)."""
    if not isinstance(sys.stdout, DroppingStream) and sys.stdout is not None:
        sys.stdout = DroppingStream(sys.stdout)  # type: ignore[assignment]
