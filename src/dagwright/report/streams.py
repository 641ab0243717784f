"""Standard output that a reader cannot hang or break.

Two readers misbehave. One goes away (``dagwright run | head -3``): a write to stdout raises
``BrokenPipeError``, which, raised in a worker thread or in the middle of the stop path, used
to end the process with no run_results.json while nodes it had started went on in the
warehouse. One stops reading (a pipe nobody drains): a write blocks, and the thread blocked in
it may hold the scheduler's lock, so a stop could never finish. Hence:

- a write goes straight to the file descriptor only when the descriptor has room for it (a
  poll, then at most ``PIPE_BUF`` bytes: that never blocks) and nothing is queued; otherwise it
  goes into a queue that a writer thread of its own empties, in chunks of at most ``PIPE_BUF``
  bytes, so it can tell a reader that reads slowly from one that does not read at all;
  ``flush`` waits for the queue to be written, as a plain stream's would;
- once the run stops (``stop_waiting_for_reader``: a signal), ``flush`` no longer waits: the
  stop, the cancels and run_results.json never wait on output. At exit the queue still gets
  ``READER_WAIT_S`` seconds in which the reader must take something; a reader that takes
  nothing for that long loses the rest (one line on stderr says so), so the process exits;
- a reader that went away loses the rest at once (one line on stderr says so).

A stream without a file descriptor (a test's captured output) is written directly.
"""

from __future__ import annotations

import atexit
import errno
import os
import select
import sys
import threading
import time
from collections import deque
from typing import Any, TextIO

#: after a stop, how long output waits for a reader that takes none of it before it is dropped
READER_WAIT_S = 2.0
#: the most one write hands the pipe: a write of at most this much returns as soon as it fits
_CHUNK = 4096


class DroppingStream:
    """A text stream over ``inner`` that neither blocks a stopped run nor fails when its
    reader is gone (see the module's docstring)."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner
        self._closed = False
        try:
            inner.flush()
            self._fd: int | None = inner.fileno()
        except (AttributeError, OSError, ValueError):
            self._fd = None
        self._encoding = getattr(inner, "encoding", None) or "utf-8"
        self._errors = getattr(inner, "errors", None) or "strict"
        self._cond = threading.Condition(threading.Lock())
        self._pending: deque[bytes] = deque()
        self._busy = False
        self._progress = time.monotonic()  # the last time the reader took something
        self._stopped = False
        self._writer: threading.Thread | None = None
        self._poll = select.poll()
        if self._fd is not None:
            self._poll.register(self._fd, select.POLLOUT)

    @property
    def reader_gone(self) -> bool:
        return self._closed

    def _gone(self, why: str) -> None:
        if self._closed:
            return
        self._closed = True
        self._pending.clear()
        try:  # later flushes (at exit too) go nowhere instead of failing again or blocking
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._inner.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass
        try:
            sys.stderr.write(f"dagwright: {why}; the rest of the output is dropped\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    # -- writing ---------------------------------------------------------------------------
    def write(self, text: str) -> int:
        if self._closed:
            return len(text)
        if self._fd is None:
            self._direct(lambda: self._inner.write(text))
            return len(text)
        data = text.encode(self._encoding, self._errors)
        with self._cond:
            if self._closed:
                return len(text)
            if not self._pending and not self._busy and len(data) <= _CHUNK and self._writable():
                # the fast path, in order (nothing queued): a pipe with room takes a chunk
                # this size at once, without blocking
                try:
                    written = os.write(self._fd, data)
                except OSError as exc:
                    self._gone("stdout was closed by its reader" if exc.errno == errno.EPIPE else str(exc))
                    return len(text)
                self._progress = time.monotonic()
                if written == len(data):
                    return len(text)
                data = data[written:]
            self._pending.append(data)
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_queue, name="dagwright-stdout", daemon=True)
                self._writer.start()
            self._cond.notify_all()
        return len(text)

    def _writable(self) -> bool:
        try:
            return bool(self._poll.poll(0))
        except (OSError, ValueError):
            return False

    def flush(self) -> None:
        if self._closed or (not self._pending and not self._busy):
            return
        if self._fd is None:
            self._direct(self._inner.flush)
            return
        with self._cond:
            while (self._pending or self._busy) and not self._closed and not self._stopped:
                self._cond.wait()

    def _direct(self, call: Any) -> None:
        try:
            call()
        except BrokenPipeError:
            self._gone("stdout was closed by its reader")
        except OSError as exc:
            if exc.errno != errno.EPIPE:
                raise
            self._gone("stdout was closed by its reader")

    def _write_queue(self) -> None:
        assert self._fd is not None
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                data = b"".join(self._pending)
                self._pending.clear()
                self._busy = True
            try:
                view = memoryview(data)
                while view and not self._closed:
                    written = os.write(self._fd, view[:_CHUNK])
                    view = view[written:]
                    self._progress = time.monotonic()
            except OSError as exc:
                with self._cond:
                    self._gone("stdout was closed by its reader" if exc.errno == errno.EPIPE else str(exc))
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    # -- the stop and the exit -------------------------------------------------------------
    def stop_waiting(self) -> None:
        """The run stopped: from now on ``flush`` does not wait for the reader."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def drain(self, patience: float | None = None) -> None:
        """Wait for the queue to be written. After a stop (or with ``patience``), a reader that
        takes nothing for ``READER_WAIT_S`` (``patience``) seconds loses the rest."""
        if self._fd is None or self._closed:
            return
        wait = patience if patience is not None else (READER_WAIT_S if self._stopped else None)
        with self._cond:
            while (self._pending or self._busy) and not self._closed:
                if wait is None:
                    self._cond.wait()
                    continue
                idle = time.monotonic() - self._progress
                if idle >= wait:
                    self._gone(f"stdout's reader took no output for {wait:g} s after the run stopped")
                    return
                self._cond.wait(wait - idle)

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding, ...
        return getattr(self._inner, name)


def protect_stdout() -> None:
    """Replace ``sys.stdout`` with a ``DroppingStream`` (once); what it holds is written out
    before the process exits."""
    if not isinstance(sys.stdout, DroppingStream) and sys.stdout is not None:
        stream = DroppingStream(sys.stdout)
        sys.stdout = stream  # type: ignore[assignment]
        atexit.register(stream.drain)


def stop_waiting_for_reader() -> None:
    """A stop: output no longer holds anything up (see ``DroppingStream.stop_waiting``)."""
    if isinstance(sys.stdout, DroppingStream):
        sys.stdout.stop_waiting()


def drain_stdout(patience: float) -> None:
    """Before leaving with ``os._exit`` (which skips ``atexit``): what is queued gets written,
    unless the reader takes nothing for ``patience`` seconds."""
    if isinstance(sys.stdout, DroppingStream):
        sys.stdout.drain(patience)
