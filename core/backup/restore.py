"""Verify a backup and restore it into an empty data folder.

``verify_backup`` checks the manifest and every member's size and sha256 without
writing anything. ``restore_backup`` refuses a non-empty target, extracts into a hidden
staging folder next to it (hashing again as it writes), and only renames the staging
folder to the target once everything checked out: a crash or a bad member never leaves
a half-restored data folder under the real name. Secrets, if the backup has them, are
decrypted with the passphrase before any file is written and go to the target's
SecretStore (OS keyring, or the 0600 fallback file).
"""
from __future__ import annotations

import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from core.backup.crypto import decrypt_secrets
from core.backup.health import integrity_check
from core.backup.manifest import (DATA_PREFIX, MANIFEST, SECRETS_MEMBER, BackupInvalid, Manifest, copy_hashed,
                                  safe_member_name)
from core.errors import MnemoError, StorageError
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.secrets import SecretStore


@dataclass
class RestoreResult:
    home: Path
    manifest: Manifest
    files: int
    secrets_restored: list[str] = field(default_factory=list)

    @property
    def vectors_need_rebuild(self) -> bool:
        return self.manifest.vectors != "copied"


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise MnemoError(f"There is no backup file {path}.", "Check the path.") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupInvalid(f"{path} is not a readable Mnemo backup ({exc}).",
                            "It may be truncated or damaged: use another backup.") from exc


def _read_manifest(zf: zipfile.ZipFile, path: Path) -> Manifest:
    try:
        raw = zf.read(MANIFEST)
    except KeyError:
        raise BackupInvalid(f"{path} has no manifest: it is not a complete Mnemo backup.",
                            "The backup may have been interrupted: use another backup.") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupInvalid(f"The manifest of {path} is damaged ({exc}).", "Use another backup.") from exc
    manifest = Manifest.from_json(raw)
    names = set(zf.namelist()) - {MANIFEST}
    listed = {m.path for m in manifest.members}
    bad = [n for n in listed | names if not safe_member_name(n)]
    if bad:
        raise BackupInvalid(f"{path} holds unsafe names ({', '.join(sorted(bad)[:3])}).", "Do not restore this file.")
    if names != listed:
        extra, missing = sorted(names - listed), sorted(listed - names)
        raise BackupInvalid(f"{path} does not match its manifest (missing: {missing[:3]}, unlisted: {extra[:3]}).",
                            "The backup is damaged or was changed: use another backup.")
    return manifest


def _copy_member(zf: zipfile.ZipFile, name: str, out_path: Path | None, cancel: CancelToken) -> tuple[str, int]:
    try:
        with zf.open(name) as src:
            out = open(out_path, "wb") if out_path is not None else None
            try:
                digest = copy_hashed(src, out, lambda: cancel.raise_if_cancelled("Restore cancelled."))
                if out is not None:
                    out.flush()
                    os.fsync(out.fileno())
            finally:
                if out is not None:
                    out.close()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        if isinstance(exc, OSError) and out_path is not None and exc.errno is not None:
            raise StorageError(f"Could not write {out_path} ({exc.strerror}).", "Free some disk space and retry.") from exc
        raise BackupInvalid(f"The member {name} of the backup is damaged ({exc}).", "Use another backup.") from exc
    return digest


def verify_backup(path: Path, progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> Manifest:
    """Check the manifest and every member's size and sha256; raise BackupInvalid on any mismatch."""
    cancel = token_or_new(cancel)
    path = Path(path).expanduser()
    with _open(path) as zf:
        manifest = _read_manifest(zf, path)
        for i, m in enumerate(manifest.members):
            progress(Progress(i, len(manifest.members), f"checking {m.path}"))
            digest, size = _copy_member(zf, m.path, None, cancel)
            if (digest, size) != (m.sha256, m.size):
                raise BackupInvalid(f"{m.path} in {path} does not match its checksum.", "Use another backup.")
    return manifest


def _target_ok(target: Path) -> None:
    if target.exists():
        if not target.is_dir():
            raise MnemoError(f"{target} exists and is not a folder.", "Choose another folder with --home.")
        if any(target.iterdir()):
            raise MnemoError(f"The folder {target} is not empty; restore never overwrites data.",
                             "Restore into a new folder with --home NEW_FOLDER, or move this one aside first.")


def restore_backup(path: Path, target: Path, *, passphrase: str | None = None, skip_secrets: bool = False,
                   progress: ProgressFn = no_progress, cancel: CancelToken | None = None) -> RestoreResult:
    """Restore backup ``path`` into the empty or absent folder ``target``; see the module docstring."""
    cancel = token_or_new(cancel)
    path = Path(path).expanduser()
    target = Path(target).expanduser().absolute()
    _target_ok(target)
    with _open(path) as zf:
        manifest = _read_manifest(zf, path)
        secrets: dict[str, str] = {}
        if manifest.secrets and not skip_secrets:
            if not passphrase:
                raise MnemoError("This backup holds encrypted secrets and needs its passphrase.",
                                 "Give the passphrase, or restore without secrets (--skip-secrets).")
            secrets = decrypt_secrets(zf.read(SECRETS_MEMBER), passphrase)
        for stale in target.parent.glob(f".{target.name}.restoring-*"):
            shutil.rmtree(stale, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.restoring-{os.getpid()}"
        old_umask = os.umask(0o077)
        try:
            staging.mkdir(mode=0o700)
            files = [m for m in manifest.members if m.path.startswith(DATA_PREFIX)]
            for i, m in enumerate(files):
                progress(Progress(i, len(files), f"restoring {m.path[len(DATA_PREFIX):]}"))
                out = staging / m.path[len(DATA_PREFIX):]
                out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                digest, size = _copy_member(zf, m.path, out, cancel)
                if (digest, size) != (m.sha256, m.size):
                    raise BackupInvalid(f"{m.path} in {path} does not match its checksum.",
                                        "Nothing was restored; use another backup.")
            db = staging / "mnemo.sqlite3"
            if db.exists():
                if integrity_check(db) != "ok":
                    raise BackupInvalid(f"The database in {path} failed its integrity check.", "Use another backup.")
            _target_ok(target)
            if target.exists():
                target.rmdir()
            os.rename(staging, target)
            os.chmod(target, 0o700)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            os.umask(old_umask)
    store = SecretStore(target)
    for name, value in secrets.items():
        store.set(name, value)
    progress(Progress(len(files), len(files), "done"))
    return RestoreResult(target, manifest, len(files), sorted(secrets))
