"""Find the files an import should read: recursive, hidden files optional, symlink loops and
unreadable folders reported instead of followed forever or crashing."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from core.documents import importers
from core.documents.importers.limits import set_max_bytes


@dataclass
class Candidate:
    path: Path            # absolute, as the user reaches it (links not resolved)
    size: int
    mtime: float


@dataclass
class ScanResult:
    files: list[Candidate] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(c.size for c in self.files)


def _hidden(name: str) -> bool:
    return name.startswith(".")


def scan(paths: Iterable[str | Path], include_hidden: bool = False, max_bytes: int | None = None) -> ScanResult:
    """Every importable file under ``paths`` (files or folders), with the reasons others were skipped.

    ``max_bytes`` (``documents.max_file_mb``) limits what one file may make the importers decompress and
    parse (``importers.limits``); a file bigger than that on disk is skipped here, except a format read
    piece by piece (a mailbox), which the limit applies to message by message."""
    set_max_bytes(max_bytes)
    result = ScanResult()
    seen_files: set[tuple[int, int]] = set()
    for raw in paths:
        p = Path(os.path.abspath(os.path.expanduser(str(raw))))
        if not os.path.lexists(p):
            result.skipped.append((str(p), "no such file or folder"))
        elif p.is_dir():
            _walk(p, result, include_hidden, max_bytes, seen_files)
        else:
            _add_file(p, result, max_bytes, seen_files, explicit=True)
    return result


def _walk(root: Path, result: ScanResult, include_hidden: bool, max_bytes: int | None,
          seen_files: set[tuple[int, int]]) -> None:
    visited: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except OSError as exc:  # includes ELOOP for a link that points to itself
            result.skipped.append((str(folder), f"cannot open folder ({exc.strerror or exc})"))
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:
            result.skipped.append((str(folder), "symbolic link loop (folder already visited)"))
            continue
        visited.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            result.skipped.append((str(folder), f"cannot read folder ({exc.strerror or exc})"))
            continue
        subdirs = []
        for entry in entries:
            if not include_hidden and _hidden(entry.name):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                subdirs.append(path)
            else:
                _add_file(path, result, max_bytes, seen_files, explicit=False)
        stack.extend(reversed(subdirs))


def _add_file(path: Path, result: ScanResult, max_bytes: int | None, seen: set[tuple[int, int]],
              explicit: bool) -> None:
    if not importers.is_supported(path.name, str(path)):
        if (explicit or path.suffix) and path.suffix.lower() not in importers.IGNORED:
            result.skipped.append((str(path), f"unsupported format '{path.suffix or 'no extension'}'"))
        return
    try:
        st = path.stat()
    except OSError as exc:
        reason = "broken or looping symbolic link" if path.is_symlink() else f"cannot read ({exc.strerror or exc})"
        result.skipped.append((str(path), reason))
        return
    if not path.is_file():
        result.skipped.append((str(path), "not a regular file"))
        return
    key = (st.st_dev, st.st_ino)
    if key in seen:  # the same file reached twice (through a link): read it once
        return
    seen.add(key)
    if st.st_size == 0:
        result.skipped.append((str(path), "empty file"))
        return
    if max_bytes is not None and st.st_size > max_bytes and not importers.streamed(path.name, str(path)):
        result.skipped.append((str(path), f"larger than the limit ({st.st_size / 1e6:.1f} MB > "
                                          f"{max_bytes / 1e6:g} MB; see documents.max_file_mb)"))
        return
    result.files.append(Candidate(path, st.st_size, st.st_mtime))
