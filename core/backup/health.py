"""Check a data folder's stores and recover from damage: move the damaged part aside, rebuild or restore.

Chroma's native code can crash the whole process on a damaged HNSW file, so the vector
check runs in a child process: a crash there becomes a reported error, not a dead app.
Damaged files are never deleted: they are renamed ``<name>.damaged-<time>``.
"""
from __future__ import annotations

import datetime as _dt
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from core.errors import MnemoError
from core.store.lock import FolderLock

_PROBE = r"""
import os, sys
os.environ["ANONYMIZED_TELEMETRY"] = "False"
import chromadb
from chromadb.config import Settings
c = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
for col in c.list_collections():
    col = c.get_collection(col.name if hasattr(col, "name") else col)
    n = col.count()
    if n:
        got = col.get(limit=1, include=["embeddings"])
        col.query(query_embeddings=[list(got["embeddings"][0])], n_results=min(5, n))
    print(col.name, n)
"""


@dataclass
class Health:
    database: str  # "ok", "missing" or the problem
    vectors: str

    @property
    def ok(self) -> bool:
        return self.database in ("ok", "missing") and self.vectors in ("ok", "missing")


def check_database(db: Path) -> str:
    if not db.exists():
        return "missing"
    try:
        answer = integrity_check(db)
    except sqlite3.DatabaseError as exc:
        return f"damaged ({exc})"
    return "ok" if answer == "ok" else f"damaged ({answer or 'no answer'})"


def integrity_check(db: Path) -> str | None:
    """SQLite's ``PRAGMA integrity_check`` answer for ``db`` opened read-only ("ok", a problem, or None)."""
    con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        row = con.execute("PRAGMA integrity_check").fetchone()
    finally:
        con.close()
    return row[0] if row else None


def check_vectors(folder: Path, timeout: float = 120) -> str:
    if not folder.exists() or not any(folder.iterdir()):
        return "missing"
    try:
        r = subprocess.run([sys.executable, "-c", _PROBE, str(folder)], capture_output=True, text=True,
                           timeout=timeout, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    except subprocess.TimeoutExpired:
        return "damaged (the check did not finish)"
    if r.returncode == 0:
        return "ok"
    if r.returncode < 0:
        return f"damaged (reading it crashed with signal {-r.returncode})"
    last = (r.stderr.strip().splitlines() or ["unknown error"])[-1]
    return f"damaged ({last[:200]})"


def check_folder(home: Path) -> Health:
    home = Path(home)
    return Health(check_database(home / "mnemo.sqlite3"), check_vectors(home / "vectors"))


def _stamp() -> str:
    return _dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _locked_or_raise(home: Path) -> FolderLock:
    lock = FolderLock(home)
    lock.acquire()  # DataFolderLocked says which process holds it
    return lock


def set_vectors_aside(home: Path) -> Path:
    """Rename the (damaged) vector folder; the next start creates an empty one to rebuild into."""
    home = Path(home)
    lock = _locked_or_raise(home)
    try:
        src = home / "vectors"
        dst = home / f"vectors.damaged-{_stamp()}"
        os.rename(src, dst)
        (home / "vectors").mkdir(mode=0o700)
        return dst
    finally:
        lock.release()


def set_folder_aside(home: Path) -> Path:
    """Rename a damaged data folder to ``<home>.damaged-<time>`` so a backup can be restored in its place."""
    home = Path(home).absolute()
    if not home.exists():
        raise MnemoError(f"There is no data folder at {home}.", "Restore with 'mnemo restore FILE'.")
    lock = _locked_or_raise(home)
    dst = home.with_name(f"{home.name}.damaged-{_stamp()}")
    try:
        os.rename(home, dst)
    finally:
        lock.release()
    return dst


_FULL_WORDS = ("database or disk is full", "disk i/o error", "no space left", "file too large", "disk quota")


def storage_failure(exc: BaseException) -> str | None:
    """A plain message if ``exc`` (or its cause) is a full disk or a failed write, else None.

    SQLite reports a full disk as SQLITE_FULL or, when a write is cut short, SQLITE_IOERR;
    both roll the transaction back, so what was committed before is intact.
    """
    import errno

    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        full = isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
        if full or any(w in str(e).lower() for w in _FULL_WORDS):
            return ("Writing to the disk failed: it is full or a file size limit was reached "
                    f"({str(e).splitlines()[0][:160]}). Nothing that was saved before is lost. "
                    "Free some disk space and run the command again: it carries on where it stopped.")
        e = e.__cause__ or e.__context__
    return None
