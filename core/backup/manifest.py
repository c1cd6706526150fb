"""The backup file's layout and its manifest: every member with its size and sha256.

A backup is a zip file. ``manifest.json`` lists every other member; restore refuses a
member that is missing, unlisted, differently sized or differently hashed, and any name
that could escape the target folder.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Callable

from core.errors import MnemoError

FORMAT = "mnemo-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATA_PREFIX = "data/"
SECRETS_MEMBER = "secrets.enc"
CHUNK = 1 << 20


class BackupInvalid(MnemoError):
    """The backup file is damaged, incomplete, or not a Mnemo backup."""


@dataclass
class Member:
    path: str      # name inside the zip, e.g. "data/mnemo.sqlite3"
    size: int
    sha256: str


@dataclass
class Manifest:
    created_at: str
    mnemo_version: str
    db_heads: list[str] = field(default_factory=list)
    vectors: str = "copied"        # "copied" | "rebuild": whether restore must rebuild Chroma from SQLite
    secrets: bool = False          # secrets.enc present (encrypted with a passphrase)
    secret_names: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    format: str = FORMAT
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Manifest":
        try:
            raw: dict[str, Any] = json.loads(text)
            if raw.get("format") != FORMAT:
                raise ValueError(f"format is {raw.get('format')!r}, not {FORMAT!r}")
            if int(raw.get("version", 0)) > VERSION:
                raise BackupInvalid(f"This backup was made by a newer Mnemo (format version {raw['version']}).",
                                    "Update Mnemo, then restore it.")
            members = [Member(str(m["path"]), int(m["size"]), str(m["sha256"])) for m in raw.get("members", [])]
            known = {k: raw[k] for k in ("created_at", "mnemo_version", "db_heads", "vectors", "secrets",
                                         "secret_names", "format", "version") if k in raw}
            return cls(members=members, **known)
        except BackupInvalid:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupInvalid(f"The backup's manifest is unreadable ({exc}).",
                                "This is not a Mnemo backup, or it is damaged: use another backup.") from exc


def safe_member_name(name: str) -> bool:
    """True if ``name`` stays inside the target folder once extracted."""
    if not name or "\\" in name or "\x00" in name:
        return False
    p = PurePosixPath(name)
    if p.is_absolute() or any(part in ("..", "") for part in p.parts) or name.startswith("/"):
        return False
    return name == SECRETS_MEMBER or name.startswith(DATA_PREFIX)


def copy_hashed(src: IO[bytes], out: IO[bytes] | None = None,
                check: Callable[[], None] | None = None) -> tuple[str, int]:
    """Stream ``src`` to ``out`` (if any) in ``CHUNK`` pieces, calling ``check`` (a cancel check) before
    each; returns the sha256 hex digest and the size of what passed."""
    h = hashlib.sha256()
    n = 0
    while True:
        if check is not None:
            check()
        b = src.read(CHUNK)
        if not b:
            break
        h.update(b)
        if out is not None:
            out.write(b)
        n += len(b)
    return h.hexdigest(), n


def sha256_file(path: Path) -> tuple[str, int]:
    with open(path, "rb") as f:
        return copy_hashed(f)
