"""Where the vector index lives: Chroma files in the data folder, or a Chroma server.

``storage.vectors`` = ``embedded`` (default) opens a ``chromadb.PersistentClient`` on the
data folder's ``vectors/`` (the layout is unchanged); ``chroma-server`` opens a
``chromadb.HttpClient`` on ``storage.chroma_host``:``storage.chroma_port`` (HTTPS with
``storage.chroma_ssl``), with the token from the keyring (``storage.chroma_token``).
``open_client`` is the one place a Chroma client is made.

On a server, one data folder's collections are named ``mnemo-<folder id>-<name>``: the
folder id is made once, kept in the data folder (``folder-id``), so two data folders never
share a server collection. The token goes out the two ways Chroma's token auth reads it
(``Authorization: Bearer`` and ``X-Chroma-Token``, chromadb's ``TokenTransportHeader``); the
OSS ``chroma run`` of chromadb 1.5.9 checks neither (put a proxy that checks it in front).
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from core.errors import StorageError

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

EMBEDDED = "embedded"
SERVER = "chroma-server"
FOLDER_ID_FILE = "folder-id"
TOKEN_SECRET = "storage.chroma_token"
PROBE_TIMEOUT_S = 5.0


def folder_id(home: Path) -> str:
    """This data folder's id (32 hex digits): made the first time, then read from ``home/folder-id``."""
    path = Path(home) / FOLDER_ID_FILE
    try:
        got = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        got = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise StorageError(f"The data folder's id in {path} is unreadable ({exc}).",
                           "Restore that file from a backup; without it the server's collections of this "
                           "folder cannot be found (they can be rebuilt: 'mnemo vectors migrate').") from exc
    if got:
        if len(got) != 32 or any(c not in "0123456789abcdef" for c in got):
            raise StorageError(f"The data folder's id in {path} is not an id ({got[:40]!r}).",
                               "Restore that file from a backup, or delete it to make a new one (and run "
                               "'mnemo vectors migrate --to server' to fill the new collections).")
        return got
    new = uuid.uuid4().hex
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: two processes opening a fresh folder at once agree on the first one written
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return folder_id(home)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(new + "\n")
        f.flush()
        os.fsync(f.fileno())
    return new


@dataclass(frozen=True)
class VectorLocation:
    """One place a vector index can live (``backend`` = ``embedded`` or ``chroma-server``)."""

    backend: str = EMBEDDED
    path: Path = Path("vectors")               # embedded: the PersistentClient folder
    host: str = "127.0.0.1"
    port: int = 8000
    ssl: bool = False
    folder: str = ""                           # the data folder's id (server collection names)
    token: Callable[[], str | None] = field(default=lambda: None, repr=False, compare=False)

    @classmethod
    def embedded(cls, path: Path) -> VectorLocation:
        return cls(EMBEDDED, Path(path))

    @property
    def is_server(self) -> bool:
        return self.backend == SERVER

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl else 'http'}://{self.host}:{self.port}"

    @property
    def prefix(self) -> str:
        """What this data folder's collection names start with here ('' in its own folder)."""
        return f"mnemo-{self.folder}-" if self.is_server else ""

    def describe(self) -> str:
        return f"Chroma server {self.url}" if self.is_server else f"embedded Chroma in {self.path}"

    def headers(self) -> dict[str, str]:
        token = self.token() if self.is_server else None
        return {"Authorization": f"Bearer {token}", "X-Chroma-Token": token} if token else {}


def location(storage: Any, home: Path, token: Callable[[], str | None] = lambda: None,
             backend: str | None = None) -> VectorLocation:
    """The location ``storage`` (``Settings.storage``) names for data folder ``home`` (``backend`` overrides it)."""
    kind = backend or storage.vectors
    if kind == SERVER:
        return VectorLocation(SERVER, Path(home) / "vectors", storage.chroma_host, int(storage.chroma_port),
                              bool(storage.chroma_ssl), folder_id(home), token)
    return VectorLocation.embedded(Path(home) / "vectors")


def down(loc: VectorLocation, why: object) -> StorageError:
    return StorageError(
        f"The Chroma server at {loc.url} is not answering ({why}); what is stored in the database is kept.",
        f"Start it (e.g. 'chroma run --path <folder> --host {loc.host} --port {loc.port}') and try again, or use "
        "the vectors in the data folder: 'mnemo vectors migrate --to embedded' (or 'mnemo settings set "
        "storage.vectors embedded' and 'mnemo doctor --rebuild-vectors').")


def refused(loc: VectorLocation, why: object) -> StorageError:
    has = bool(loc.token())
    return StorageError(
        f"The Chroma server at {loc.url} refused {'the token kept for it' if has else 'a request without a token'} "
        f"({why}); what is stored in the database is kept.",
        "Set the right token with 'mnemo settings set-secret storage.chroma_token', then try again.")


def server_error(loc: VectorLocation, exc: BaseException) -> StorageError | None:
    """A clear ``StorageError`` for ``exc`` when it is the server being down or refusing us (else None)."""
    if not loc.is_server or isinstance(exc, StorageError):
        return None
    import httpx
    from chromadb.errors import AuthorizationError, ChromaAuthError

    if isinstance(exc, (ChromaAuthError, AuthorizationError)):
        return refused(loc, exc)
    if isinstance(exc, httpx.TransportError) or "Could not connect to a Chroma server" in str(exc):
        return down(loc, type(exc).__name__ if not str(exc) else str(exc)[:200])
    text = str(exc)
    if any(s in text for s in ("401 Unauthorized", "403 Forbidden", "Unauthorized", "Forbidden")):
        return refused(loc, text[:200])
    return None


@dataclass(frozen=True)
class ServerInfo:
    version: str
    latency_ms: float  # one heartbeat's round trip


def probe(loc: VectorLocation, timeout: float = PROBE_TIMEOUT_S) -> ServerInfo:
    """The server's version and a heartbeat's round trip; a clear ``StorageError`` when it is down or refuses us."""
    import httpx

    try:
        with httpx.Client(base_url=loc.url, headers=loc.headers(), timeout=timeout, trust_env=False) as http:
            t0 = time.perf_counter()
            beat = http.get("/api/v2/heartbeat")
            latency = (time.perf_counter() - t0) * 1000
            ident = http.get("/api/v2/auth/identity")  # needs the token where the server checks one
            version = http.get("/api/v2/version")
    except httpx.HTTPError as exc:
        raise down(loc, str(exc) or type(exc).__name__) from exc
    for r in (beat, ident, version):
        if r.status_code in (401, 403):
            raise refused(loc, f"HTTP {r.status_code}")
        if r.status_code != 200:
            raise StorageError(f"{loc.url} answered HTTP {r.status_code} to {r.request.url.path}: it does not "
                               "look like a Chroma 1.x server.",
                               "Check storage.chroma_host, storage.chroma_port and storage.chroma_ssl.")
    return ServerInfo(str(version.json()), latency)


def open_client(loc: VectorLocation) -> Any:
    """A chromadb client for ``loc`` (telemetry off); a clear ``StorageError`` when it cannot be opened."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    if not loc.is_server:
        try:
            loc.path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(loc.path),
                                             settings=ChromaSettings(anonymized_telemetry=False, allow_reset=True))
        except Exception as exc:
            raise StorageError(
                f"The vector index in {loc.path} could not be opened ({exc}).",
                "Run 'mnemo recover --vectors' to set it aside and rebuild it from the database.") from exc
    probe(loc)  # a down server or a wrong token says so plainly, before chromadb's own messages
    try:
        return chromadb.HttpClient(host=loc.host, port=loc.port, ssl=loc.ssl, headers=loc.headers(),
                                   settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as exc:
        raise server_error(loc, exc) or StorageError(
            f"The Chroma server at {loc.url} could not be opened ({exc}).",
            "Check it runs Chroma 1.x ('mnemo doctor'), or use 'mnemo vectors migrate --to embedded'.") from exc


def close_client(client: Any) -> None:
    """Let go of a client: an embedded one that no other client of this process shares its folder with
    stops, and Chroma frees the indexes it held in memory (the next call opens the folder again)."""
    try:
        client.close()
    except Exception:  # closing is best effort: at worst the memory stays held
        logging.getLogger(__name__).exception("could not close the Chroma client")
