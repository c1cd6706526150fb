"""Suite-wide fixtures: no network beyond loopback, an in-memory keyring, a fresh data folder.

The network guard is autouse for every test: any connection to a non-loopback address
fails the test that made it.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# Imports do not make the embedder's ONNX graph (10-30 s each); tests/models/test_dual_embedder.py makes one.
os.environ.setdefault("MNEMO_ONNX_EXPORT", "0")

REPO = Path(__file__).resolve().parents[1]
SHARED_EVAL = REPO.parent / "shared" / "eval"


class NetworkBlocked(RuntimeError):
    pass


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    if not isinstance(address, tuple) or not address:
        return True
    host = address[0]
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: object) -> object:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkBlocked(f"test tried to open a network connection to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> object:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkBlocked(f"test tried to open a network connection to {address!r}")
    return _real_connect_ex(self, address)


_real_getaddrinfo = socket.getaddrinfo


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if host not in (None, "localhost", "127.0.0.1", "::1", "") and not str(host).startswith("127."):
        try:
            if ipaddress.ip_address(host).is_loopback:
                return _real_getaddrinfo(host, *args, **kwargs)
        except ValueError:
            pass
        raise NetworkBlocked(f"test tried to resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> object:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


class MemoryKeyring:
    """An in-memory keyring backend for tests (headless machines have none)."""

    priority = 10

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, name: str) -> str | None:
        return self.data.get((service, name))

    def set_password(self, service: str, name: str, value: str) -> None:
        self.data[(service, name)] = value

    def delete_password(self, service: str, name: str) -> None:
        self.data.pop((service, name), None)


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    import keyring

    from keyring.backend import KeyringBackend

    class _Backend(KeyringBackend):
        priority = 10  # type: ignore[assignment]
        store = MemoryKeyring()

        def get_password(self, service, username):  # type: ignore[no-untyped-def]
            return self.store.get_password(service, username)

        def set_password(self, service, username, password):  # type: ignore[no-untyped-def]
            self.store.set_password(service, username, password)

        def delete_password(self, service, username):  # type: ignore[no-untyped-def]
            self.store.delete_password(service, username)

    backend = _Backend()
    _Backend.store = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield _Backend.store
    keyring.set_keyring(previous)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder, also set as MNEMO_HOME for subprocesses."""
    d = tmp_path / "mnemo-home"
    monkeypatch.setenv("MNEMO_HOME", str(d))
    return d


@pytest.fixture
def services(home: Path):  # -> app.services.Services
    from app.services import Services

    s = Services(home)
    yield s
    s.close()


@pytest.fixture(scope="session")
def shared_llm():
    """The embedded model, loaded once for the whole suite (tests share it read-only)."""
    from models.llm import LlamaConfig, LlamaRuntime

    rt = LlamaRuntime(LlamaConfig(n_ctx=2048, seed=7))
    rt.load()
    yield SharedLLM(rt)
    rt.close()


class SharedLLM:
    """The session's model as tests lend it to Services: ``close()`` (Services.close) leaves it open."""

    def __init__(self, runtime) -> None:  # type: ignore[no-untyped-def]
        self._rt = runtime

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._rt, name)

    def close(self) -> None:
        """Not the borrower's to close; the session fixture closes the runtime."""


@pytest.fixture(scope="session")
def shared_embedder():
    from models.embedder import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="session")
def onnx_graph(onnx_cache) -> Path:
    """The embedded all-MiniLM-L6-v2 exported to ONNX and checked once for the session, at its cache name."""
    from models.embedded import default_embedder
    from models.onnx_embedder import onnx_cache_path
    from models.onnx_export import export_onnx

    model_dir = default_embedder()
    if model_dir is None:
        pytest.skip("the embedded embedder package is not installed")
    return export_onnx(model_dir, onnx_cache_path(model_dir, onnx_cache))
