"""A real ``chroma run`` on 127.0.0.1 for tests, and a token-checking proxy in front of it.

``chroma run`` (chromadb 1.5.9's Rust server) has only ``--path``, ``--host``, ``--port`` and a
config file, and its open-source frontend checks no token: a deployment that wants one puts
a proxy in front. ``TokenProxy`` is that proxy (401 unless ``Authorization: Bearer <token>``
or ``X-Chroma-Token: <token>``), so a wrong token is tested against a real server behind it.
"""
from __future__ import annotations

import http.server
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

from tests.conftest import REPO

CHROMA = REPO / ".venv" / "bin" / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def chroma_server(folder: Path, timeout: float = 60) -> Iterator[int]:
    """``chroma run --path folder`` on 127.0.0.1:<free port>, up once its heartbeat answers; stopped after."""
    port = free_port()
    log = open(folder.parent / f"chroma-{port}.log", "wb")
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_heartbeat(port, proc, timeout)
        yield port
    finally:
        stop(proc)
        log.close()


def wait_heartbeat(port: int, proc: subprocess.Popen, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with status {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"chroma run did not answer on port {port} within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class TokenProxy:
    """127.0.0.1:<port> → the Chroma server at ``upstream``, only for requests carrying ``token``."""

    def __init__(self, upstream: int, token: str) -> None:
        self.token = token
        proxy = self
        client = httpx.Client(base_url=f"http://127.0.0.1:{upstream}", timeout=60, trust_env=False)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sent = {self.headers.get("Authorization"), f"Bearer {self.headers.get('X-Chroma-Token')}"}
                if f"Bearer {proxy.token}" not in sent:
                    data = b'{"error":"AuthorizationError","message":"Unauthorized: a wrong token"}'
                    self.send_response(401)
                else:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                    r = client.request(self.command, self.path, content=body, headers=headers)
                    data = r.content
                    self.send_response(r.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self._client = client
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TokenProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._client.close()
