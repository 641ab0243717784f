"""Opening a Spark Connect session without hanging on an endpoint that is not Spark Connect.

PySpark's Connect client retries a server that does not answer (or answers something else
than gRPC) for minutes, in calls a signal cannot interrupt. So before the client is asked
for a session, the endpoint is probed: a TCP connection (``PROBE_TIMEOUT_S``), then the
HTTP/2 client preface every gRPC server answers at once with its own SETTINGS frame (through
TLS, offering ``h2``, where the URL asks for it). A listener that says nothing, an HTTP/1
server or anything else that is not HTTP/2 is an error naming host:port within
``PROBE_TIMEOUT_S`` each step. The probe and the session's start run on a thread of their
own (``SessionStart``), which a stop (``abandon``) leaves behind: the run ends without
waiting for them, and so does a start that takes longer than ``SESSION_START_TIMEOUT_S``
(an HTTP/2 server that is not Spark Connect may never answer).
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from dagwright.adapters.base import StatementCancelled

#: the longest each step of the probe (connect, then the server's first frame) waits
PROBE_TIMEOUT_S = 10.0
#: the longest the session's start (the client's session and a first ``select 1``) may take
#: once the probe passed: an HTTP/2 server that is not Spark Connect may never answer
SESSION_START_TIMEOUT_S = 120.0
#: how often the wait for the session looks at a stop
_POLL_S = 0.05

_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # length 0, type SETTINGS, no flags, stream 0
_SETTINGS = 0x04


def address(url: str) -> tuple[str, int]:
    """The host and port of a ``sc://`` URL (15002 when it names none)."""
    parts = urlsplit(url.partition(";")[0])
    return parts.hostname or "localhost", parts.port or 15002


def uses_tls(url: str) -> bool:
    """Whether the client talks TLS to the endpoint, as PySpark's channel builder decides."""
    host, _ = address(url)
    try:
        from pyspark.sql.connect.client.core import DefaultChannelBuilder

        builder = DefaultChannelBuilder(url)
        return bool(builder.secure and not (not builder.use_ssl and host == "localhost"))
    except Exception:  # an older PySpark, or a URL it refuses (it says why when the session starts)
        return "use_ssl=true" in url.lower()


def probe(host: str, port: int, tls: bool, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """Why ``host:port`` is not a gRPC (HTTP/2) server, or None when it answers as one."""
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        return f"cannot connect: {exc.strerror or exc}"
    try:
        sock: socket.socket = raw
        if tls:
            context = ssl.create_default_context()
            # only the protocol is probed here; the client checks the certificate itself
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(["h2"])
            try:
                sock = context.wrap_socket(raw, server_hostname=host)
            except (OSError, ssl.SSLError) as exc:
                return f"no TLS handshake within {timeout:g} s ({exc})"
        sock.settimeout(timeout)
        sock.sendall(_PREFACE + _EMPTY_SETTINGS)
        head = _read(sock, 9)
    except TimeoutError:
        return f"accepted the connection but sent nothing in {timeout:g} s"
    except OSError as exc:
        return f"the connection failed: {exc.strerror or exc}"
    finally:
        raw.close()
    if not head:
        return "accepted the connection and closed it without answering"
    if len(head) == 9 and head[3] == _SETTINGS:
        return None
    text = head.decode("ascii", "replace")
    if text.isprintable():  # HTTP/1 ("HTTP/1.1 400", an HTML page), SSH, a database's greeting...
        return f"answered in a text protocol, not HTTP/2 (its answer begins '{text}'): an HTTP/1 server?"
    return f"answered something that is not HTTP/2 (its answer begins {head!r})"


def _read(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def remote_builder(url: str, channels: list[Any]) -> Any:
    """PySpark's Connect session builder for ``url``, keeping every gRPC channel it opens in
    ``channels``: an abandoned start closes them, so neither its thread nor PySpark's exit hook
    (which sends a last request on each client's channel) retries a silent server for minutes."""
    from pyspark.sql.connect.client.core import DefaultChannelBuilder
    from pyspark.sql.connect.session import SparkSession

    class Recording(DefaultChannelBuilder):  # type: ignore[misc]
        def toChannel(self) -> Any:
            channel = super().toChannel()
            channels.append(channel)
            return channel

    return SparkSession.builder.channelBuilder(Recording(url))


def close_channels(channels: list[Any]) -> None:
    for channel in list(channels):
        try:
            channel.close()
        except Exception:
            pass


class SessionTimeout(Exception):
    """The session did not start within the time allowed."""


class SessionStart:
    """The session started on a thread of its own; ``wait`` returns it, raises what starting
    it raised, ``SessionTimeout`` when it takes longer than ``timeout``, or
    ``StatementCancelled`` once ``abandon`` was called (a stop)."""

    def __init__(self, start: Callable[[], Any], on_abandon: Callable[[], None] | None = None) -> None:
        self._start = start
        self._on_abandon = on_abandon
        self._done = threading.Event()
        self._abandoned = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, name="dagwright-spark-connect", daemon=True).start()

    def _run(self) -> None:
        try:
            self._result = self._start()
        except BaseException as exc:
            self._error = exc
        finally:
            self._done.set()

    def abandon(self) -> None:
        self._abandoned.set()

    def _give_up(self) -> None:
        self._abandoned.set()
        if self._on_abandon is not None:
            self._on_abandon()

    def wait(self, timeout: float | None = None, abandoned: Callable[[], bool] = bool) -> Any:
        """``abandoned``: polled too (a stop that cannot reach this object: no lock is taken)."""
        timeout = SESSION_START_TIMEOUT_S if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while not self._done.wait(_POLL_S):
            if self._abandoned.is_set() or abandoned():
                self._give_up()
                raise StatementCancelled("the run stopped while the Spark Connect session was starting")
            if time.monotonic() > deadline:
                self._give_up()
                raise SessionTimeout(f"no answer to a first query within {timeout:g} s")
        if self._error is not None:
            raise self._error
        return self._result
