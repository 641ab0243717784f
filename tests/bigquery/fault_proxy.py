"""A fault-injecting HTTP proxy in front of the BigQuery emulator.

The emulator never fails transiently, so ``job_retries`` is exercised end to end through this
proxy: dagwright's profile points ``api_endpoint`` at it, it forwards every request to the
emulator, and, for the jobs whose query contains a marker, it injects the faults a real
BigQuery shows — a 503 before the request reaches the server, a response lost after the
server created the job, or a job that ends with ``backendError``. The engine behind it is
the real emulator: nothing is mocked but the network's failures.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

#: request headers the proxy sets itself (the body may have been rewritten)
_NOT_FORWARDED = ("host", "connection", "accept-encoding", "content-length")
_JOB_PATH = re.compile(r"/projects/[^/]+/jobs/(?P<job>[^/?]+)")


@dataclass
class Faults:
    """What to break, for jobs whose SQL contains ``marker``; counts are consumed as used."""

    marker: str
    #: jobs.insert answered 503 without reaching the emulator
    unavailable_inserts: int = 0
    #: jobs.insert forwarded (the job exists), then the connection dropped without a response
    lost_insert_responses: int = 0
    #: jobs whose final state is rewritten to DONE with errorResult backendError
    backend_errors: int = 0
    #: jobs.insert of queries containing ``slow_marker`` held back this many seconds
    slow_marker: str | None = None
    slow_seconds: float = 0.0
    #: what the proxy saw: ("insert", job_id, what it did)
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    #: every request forwarded or answered: (method, path without the query string)
    requests: list[tuple[str, str]] = field(default_factory=list)
    _broken_jobs: set[str] = field(default_factory=set)


class FaultProxy:
    def __init__(self, upstream: str, faults: Faults) -> None:
        self.upstream = urlsplit(upstream)
        self.faults = faults
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                proxy.handle(self, "GET")

            def do_POST(self) -> None:
                proxy.handle(self, "POST")

            def do_PUT(self) -> None:
                proxy.handle(self, "PUT")

            def do_PATCH(self) -> None:
                proxy.handle(self, "PATCH")

            def do_DELETE(self) -> None:
                proxy.handle(self, "DELETE")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- forwarding -------------------------------------------------------------------------------
    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        faults = self.faults
        with self.lock:
            faults.requests.append((method, request.path.split("?")[0]))
        is_insert = method == "POST" and request.path.split("?")[0].endswith("/jobs")
        if is_insert and faults.slow_marker and faults.slow_marker.encode() in body:
            time.sleep(faults.slow_seconds)
        if is_insert and faults.marker.encode() in body:
            job_id = json.loads(body).get("jobReference", {}).get("jobId", "")
            with self.lock:
                if faults.unavailable_inserts > 0:
                    faults.unavailable_inserts -= 1
                    faults.seen.append(("insert", job_id, "503"))
                    action = "503"
                elif faults.lost_insert_responses > 0:
                    faults.lost_insert_responses -= 1
                    faults.seen.append(("insert", job_id, "lost response"))
                    action = "lose"
                else:
                    if faults.backend_errors > 0:
                        faults.backend_errors -= 1
                        faults._broken_jobs.add(job_id)
                        faults.seen.append(("insert", job_id, "backendError"))
                        # a job that fails changes nothing: the emulator runs a bare select instead
                        job = json.loads(body)
                        job["configuration"]["query"]["query"] = "select 1 as injected_failure"
                        body = json.dumps(job).encode()
                    else:
                        faults.seen.append(("insert", job_id, "forwarded"))
                    action = "forward"
            if action == "503":
                self._reply(request, 503, {"error": {"code": 503, "message": "injected: service unavailable"}})
                return
            if action == "lose":
                self._forward(method, request.path, request.headers, body)
                request.close_connection = True
                request.connection.shutdown(2)  # the client sees the connection drop
                return
        status, headers, payload = self._forward(method, request.path, request.headers, body)
        match = _JOB_PATH.search(request.path)
        job_id = match.group("job") if match else None
        if is_insert and status == 200:
            job_id = json.loads(payload).get("jobReference", {}).get("jobId")
        if job_id in faults._broken_jobs and status == 200:
            job = json.loads(payload)
            if job.get("status", {}).get("state") == "DONE":
                error = {"reason": "backendError", "message": "injected: backend error"}
                job["status"] = {"state": "DONE", "errorResult": error, "errors": [error]}
                payload = json.dumps(job).encode()
        request.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _forward(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=120)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in _NOT_FORWARDED}
            conn.request(method, path, body=body or None, headers=sent)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, data: dict[str, Any]) -> None:
        payload = json.dumps(data).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)
