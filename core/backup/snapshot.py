"""``create_backup``: a consistent snapshot of a data folder, even while Mnemo runs.

What goes in (under ``data/`` in the zip):
- every SQLite file (the main database, Chroma's ``chroma.sqlite3``, any feature's own):
  copied with SQLite's online backup API, so a writer in another process never leaves a
  half-written page in the copy;
- the Chroma folder, only when this backup holds the data-folder lock (no other Mnemo
  process is writing). When the app runs, Chroma's HNSW files may change under us, so
  they are left out and the manifest says ``vectors: rebuild``: restore then rebuilds the
  vectors from SQLite, which is the source of truth;
- trained weights (``models/``: reranker, memory decoder, datastore), ``settings.json``
  and any other file of the folder, each copied and re-checked until it did not change
  while being read.
Never in the backup: the lock, the logs, the keyring-fallback ``secrets.json``. Secrets
are only added with ``include_secrets``, encrypted with a passphrase (``secrets.enc``).

The zip is written to ``FILE.partial`` and renamed at the end: a crash or a full disk
leaves no half backup under the real name and never touches the data folder's data.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import logging
import os
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from core.backup.crypto import encrypt_secrets
from core.backup.manifest import DATA_PREFIX, MANIFEST, SECRETS_MEMBER, Manifest, Member, copy_hashed
from core.errors import DataFolderLocked, MnemoError, StorageError
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.secrets import SecretStore
from core.store.lock import FolderLock

log = logging.getLogger(__name__)

TMP_DIR = ".backup-tmp"
DB_NAME = "mnemo.sqlite3"
SKIP_TOP = {"mnemo.lock", "logs", "secrets.json", TMP_DIR}
SKIP_SUFFIXES = ("-wal", "-shm", "-journal", ".partial", ".tmp")  # SQLite side files, unfinished writes
# Secrets Mnemo's features keep in the SecretStore; the fallback file's names are added too.
KNOWN_SECRET_NAMES = ("fact-key", "api-token", "autofill-api-token", "model.api_key", "storage.chroma_token")
# Large files made again from elsewhere: downloaded chat models (their registry.json keeps the URL and sha256)
# and the embedder's ONNX graph (exported again from the embedder's weights when missing).
REBUILDABLE = {("models", "llm"): ".gguf", ("models", "onnx"): ".onnx"}
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    bytes_written: int
    locked: bool  # True: no other Mnemo was running, everything (Chroma too) copied as is


def _is_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def _sqlite_snapshot(src: Path, dst: Path) -> None:
    """Copy a live SQLite database with the online backup API (consistent even mid-write)."""
    s = sqlite3.connect(src.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    try:
        d = sqlite3.connect(str(dst))
        try:
            s.backup(d)  # all pages in one step: one read transaction, so one consistent moment
            row = d.execute("PRAGMA quick_check").fetchone()
            if not row or row[0] != "ok":
                raise StorageError(f"The snapshot of {src.name} failed its integrity check ({row}).",
                                   "Check the data folder with 'mnemo doctor'.")
            d.execute("PRAGMA journal_mode=DELETE")
        finally:
            d.close()
    finally:
        s.close()


def _iter_files(home: Path, with_vectors: bool) -> Iterable[Path]:
    for p in sorted(home.rglob("*")):
        rel = p.relative_to(home)
        if rel.parts[0] in SKIP_TOP or ".damaged-" in rel.parts[0] or not p.is_file() or p.is_symlink():
            continue
        if rel.parts[0] == "vectors" and not with_vectors:
            continue
        if p.name.endswith(SKIP_SUFFIXES):
            continue
        if len(rel.parts) == 3 and p.name.endswith(REBUILDABLE.get(rel.parts[:2], "\0")):
            continue
        yield p


def collect_secrets(store: SecretStore, names: Iterable[str] = ()) -> dict[str, str]:
    """Every secret of the data folder that Mnemo knows by name (plus the fallback file's)."""
    wanted = list(dict.fromkeys([*KNOWN_SECRET_NAMES, *names]))
    if store.fallback_path.exists():
        wanted += [n for n in store._read_file() if n not in wanted]  # noqa: SLF001 - same package family
    out: dict[str, str] = {}
    for n in wanted:
        v = store.get(n)
        if v is not None:
            out[n] = v
    return out


class _Writer:
    """Adds files to the zip while hashing them."""

    def __init__(self, zf: zipfile.ZipFile, cancel: CancelToken) -> None:
        self.zf = zf
        self.cancel = cancel
        self.members: list[Member] = []

    def add_file(self, src: Path, name: str) -> None:
        stored = src.suffix in (".gguf", ".zip", ".gz", ".safetensors")
        info = _member_info(name, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
        with open(src, "rb") as f, self.zf.open(info, "w", force_zip64=True) as out:
            digest, n = copy_hashed(f, out, lambda: self.cancel.raise_if_cancelled("Backup cancelled."))
        self.members.append(Member(name, n, digest))

    def add_bytes(self, data: bytes, name: str) -> None:
        self.zf.writestr(_member_info(name, zipfile.ZIP_DEFLATED), data)
        self.members.append(Member(name, len(data), hashlib.sha256(data).hexdigest()))


def _member_info(name: str, compress: int) -> zipfile.ZipInfo:
    """A zip member dated now, readable by its owner only."""
    info = zipfile.ZipInfo(name, date_time=_dt.datetime.now().timetuple()[:6])
    info.compress_type = compress
    info.external_attr = 0o600 << 16
    return info


def _stable_copy(src: Path, tmp: Path) -> Path:
    """Copy a plain file that another process may replace; retry until it held still."""
    for _ in range(5):
        before = src.stat()
        shutil.copyfile(src, tmp)
        after = src.stat()
        if (before.st_size, before.st_mtime_ns, before.st_ino) == (after.st_size, after.st_mtime_ns, after.st_ino):
            return tmp
    raise StorageError(f"{src} kept changing while it was copied.", "Try the backup again when Mnemo is idle.")


def _db_heads(db_copy: Path) -> list[str]:
    try:
        con = sqlite3.connect(str(db_copy))
        try:
            return [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
        finally:
            con.close()
    except sqlite3.Error:
        return []


def create_backup(home: Path, dest: Path, *, include_secrets: bool = False, passphrase: str | None = None,
                  secret_names: Iterable[str] = (), vectors: str = "auto", progress: ProgressFn = no_progress,
                  cancel: CancelToken | None = None) -> BackupResult:
    """Write a backup of data folder ``home`` to ``dest`` (a zip file); see the module docstring.

    ``vectors``: "auto" copies Chroma only if no other process holds the folder, "copy"
    always copies it, "rebuild" never does (restore rebuilds it from SQLite).
    """
    token = token_or_new(cancel)
    home = Path(home).expanduser()
    dest = Path(dest).expanduser()
    _check_request(home, dest, include_secrets, passphrase)
    lock = FolderLock(home)
    try:
        lock.acquire()
    except DataFolderLocked:
        log.info("backup: another Mnemo holds %s; using SQLite's online backup and leaving Chroma out", home)
    with_vectors = vectors == "copy" or (vectors == "auto" and lock.held)
    tmpdir = home / TMP_DIR
    shutil.rmtree(tmpdir, ignore_errors=True)
    old_umask = os.umask(0o077)
    partial = dest.with_name(dest.name + ".partial")
    try:
        tmpdir.mkdir(mode=0o700)
        dest.parent.mkdir(parents=True, exist_ok=True)
        files = list(_iter_files(home, with_vectors))
        manifest = Manifest(created_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                            mnemo_version=_version(), vectors="copied" if with_vectors else "rebuild")
        secrets = (secret_names, passphrase or "") if include_secrets else None
        _write_zip(partial, home, files, tmpdir, manifest, secrets, progress, token)
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(partial, dest)
        progress(Progress(len(files) + 1, len(files) + 1, "done"))
        return BackupResult(dest, manifest, dest.stat().st_size, lock.held)
    except OSError as exc:
        raise StorageError(f"The backup could not be written to {dest} ({exc.strerror or exc}).",
                           "Free some disk space or choose another place; your data folder is unchanged.") from exc
    finally:
        os.umask(old_umask)
        try:
            partial.unlink()
        except OSError:
            pass
        shutil.rmtree(tmpdir, ignore_errors=True)
        lock.release()


def _check_request(home: Path, dest: Path, include_secrets: bool, passphrase: str | None) -> None:
    """Refuse a folder that is not Mnemo's, a backup file inside it, and secrets without a passphrase."""
    if not (home / DB_NAME).exists():
        raise StorageError(f"There is no Mnemo data folder at {home}.", "Pass the folder with --home or MNEMO_HOME.")
    if dest.resolve().is_relative_to(home.resolve()):
        raise MnemoError(f"The backup file {dest} is inside the data folder.", "Write it somewhere else.")
    if include_secrets and not passphrase:
        raise MnemoError("A passphrase is needed to include secrets.", "Give one, or back up without --include-secrets.")


def _write_zip(partial: Path, home: Path, files: list[Path], tmpdir: Path, manifest: Manifest,
               secrets: tuple[Iterable[str], str] | None, progress: ProgressFn, cancel: CancelToken) -> None:
    """The zip: each file snapshotted into ``tmpdir`` and added, the encrypted secrets (``secrets`` = the
    extra names and the passphrase, None = leave them out), then the manifest."""
    total = len(files) + 1
    with zipfile.ZipFile(partial, "w", allowZip64=True) as zf:
        w = _Writer(zf, cancel)
        for i, src in enumerate(files):
            cancel.raise_if_cancelled("Backup cancelled.")
            rel = src.relative_to(home).as_posix()
            progress(Progress(i, total, f"copying {rel}"))
            tmp = tmpdir / f"{i}.snap"
            if _is_sqlite(src):
                _sqlite_snapshot(src, tmp)
                if rel == DB_NAME:
                    manifest.db_heads = _db_heads(tmp)
            else:
                _stable_copy(src, tmp)
            w.add_file(tmp, DATA_PREFIX + rel)
            tmp.unlink()
        if secrets is not None:
            names, passphrase = secrets
            progress(Progress(len(files), total, "encrypting secrets"))
            found = collect_secrets(SecretStore(home), names)
            w.add_bytes(encrypt_secrets(found, passphrase), SECRETS_MEMBER)
            manifest.secrets = True
            manifest.secret_names = sorted(found)
        manifest.members = w.members
        zf.writestr(MANIFEST, manifest.to_json())


def _version() -> str:
    try:
        import importlib.metadata as md

        return md.version("mnemo")
    except Exception:
        return "unknown"
