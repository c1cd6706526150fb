"""How much one file may make Mnemo decompress and parse, checked before the work is done.

The size limit (``documents.max_file_mb``, set by ``scan``) applies to what is decompressed and
parsed, not to the file on disk: a 1 MB .docx that would expand to gigabytes is refused from its
zip directory, before anything is decompressed, and its members are then read with a cap in case
the directory lies. A mailbox is not limited as a whole (it is read message by message); each
message is. Deeply nested markup is refused by its depth, read with a streaming parser.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from core.errors import ImportFailed


@dataclass
class Limits:
    max_bytes: int = 50_000_000      # decompressed / parsed bytes per file (per message in a mailbox)
    max_ratio: float = 200.0         # a zip member expanding more than this is a bomb (Office XML ~ 10-30x)
    max_members: int = 20_000
    max_depth: int = 512             # markup nesting
    max_cell: int = 1_000_000        # characters in one CSV cell


LIMITS = Limits()
_READ = 1 << 20


def set_max_bytes(n: int | None) -> None:
    """Set the per-file limit on decompressed and parsed bytes (``documents.max_file_mb``)."""
    if n:
        LIMITS.max_bytes = int(n)


def mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def too_large(size: int, what: str = "the file") -> ImportFailed:
    return ImportFailed(f"{what} is larger than the limit ({mb(size)} > {mb(LIMITS.max_bytes)}; "
                        "see documents.max_file_mb)", "Raise documents.max_file_mb to import it.")


def check_size(size: int, what: str = "the file") -> None:
    if size > LIMITS.max_bytes:
        raise too_large(size, what)


def check_zip(data: bytes, what: str = "the archive") -> None:
    """Refuse a zip archive whose members would expand beyond the limits; decompressing is capped too.

    First the central directory (declared sizes: total and ratio per member), then each member is
    streamed through its decompressor and stopped as soon as it passes its declared size or the
    limit, so a directory that lies cannot make Mnemo inflate more than the limit allows.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFailed(f"damaged zip archive ({exc})", "Re-save the file.") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > LIMITS.max_members:
            raise ImportFailed(f"{what} holds {len(infos)} files (more than {LIMITS.max_members}); refused as a zip bomb",
                               "Re-save the file.")
        total = sum(i.file_size for i in infos)
        if total > LIMITS.max_bytes:
            raise ImportFailed(f"{what} would expand to {mb(total)} (limit {mb(LIMITS.max_bytes)}); refused before "
                               "decompressing", "If it is genuine, raise documents.max_file_mb.")
        for info in infos:
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ImportFailed(f"{what} uses an unusual compression ({info.filename}); refused",
                                   "Re-save the file from its application.")
            if info.file_size > 1_000_000 and info.file_size > LIMITS.max_ratio * max(1, info.compress_size):
                raise ImportFailed(f"{what} looks like a zip bomb ({info.filename} expands "
                                   f"{info.file_size / max(1, info.compress_size):.0f}x); refused before decompressing",
                                   "Re-save the file.")
        budget = LIMITS.max_bytes
        for info in infos:
            read = 0
            try:
                with archive.open(info) as member:
                    while block := member.read(_READ):
                        read += len(block)
                        budget -= len(block)
                        if read > info.file_size or budget < 0:
                            raise ImportFailed(f"{what} expands beyond what it declares ({info.filename}); refused as "
                                               "a zip bomb", "Re-save the file.")
            except ImportFailed:
                raise
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
                raise ImportFailed(f"damaged zip archive ({info.filename}: {exc})", "Re-save the file.") from exc
