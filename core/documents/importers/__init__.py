"""The importer registry: one module per format, found by file extension.

An importer module defines ``IMPORTER``, an ``Importer``: the format's short name, its
extensions (lower-case, with the dot), ``parse(data: bytes, name: str) -> ParsedDocument``
raising ``ImportFailed`` for bad input, and ``sniff(data, name) -> bool`` when it shares an
extension with another format (WhatsApp exports are ``.txt``). Adding a format = one module +
one line in BUILTINS.
"""
from __future__ import annotations

import importlib
import re
import threading
from pathlib import PurePath
from typing import Callable

from core.documents.model import Importer, ParsedDocument
from core.errors import ImportFailed

# Order matters within an extension: sniffing importers first, the fallback last.
BUILTINS = ("whatsapp", "text", "pdf", "docx", "htmlpage", "mail", "vcard", "csvfile", "chatgpt")

_registry: dict[str, list[Importer]] = {}

# Formats read piece by piece (a mailbox: message by message), so the size limit applies to each
# piece, not to the file on disk (a mail provider's export is often several GB).
STREAMED = (".mbox",)


def streamed(name: str, path: str | None = None) -> bool:
    """Whether ``name`` is read piece by piece (no size limit for the whole file)."""
    return extension(name, path) in STREAMED


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def display_name(name: str) -> str:
    """``name`` as text that can be stored and shown anywhere (chunk sources, answers): a byte that is not
    UTF-8 (a lone surrogate from ``os.fsdecode``) becomes ``\\xNN``, and so does a control character
    (a terminal escape code in a file name)."""
    if not name.isascii():
        try:
            name = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate os.fsdecode does not make
            name = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}",
                            name)


def register(importer: Importer) -> None:
    """Add an importer for each of its extensions."""
    for ext in importer.extensions:
        bucket = _registry.setdefault(ext.lower(), [])
        if importer not in bucket:
            bucket.append(importer)


_loading = threading.Lock()
_loaded = False


def _ensure_loaded() -> None:
    """Register the built-in importers once; a second thread waits for them all (the import job and its planner
    scan at once, and a half-filled registry would call a .md file an unsupported format)."""
    global _loaded
    if _loaded:
        return
    with _loading:
        if not _loaded:
            for name in BUILTINS:
                register(importlib.import_module(f"{__name__}.{name}").IMPORTER)
            _loaded = True


# Files with no extension that are still a format: a mail program's mailbox ("Inbox", "Sent" in Thunderbird's
# "Local Folders", Apple Mail's "mbox") starts with the mbox separator line "From <sender> <date>".
_MBOX_HEAD = re.compile(rb"From \S+ +\S")
# Files a mail program keeps beside its mailboxes, skipped without a word (Thunderbird's indexes).
IGNORED = (".msf",)


def extension(name: str, path: str | None = None) -> str:
    """The format's extension of ``name``; for a file with none, read from its first bytes at ``path``."""
    ext = PurePath(name).suffix.lower()
    if ext or path is None:
        return ext
    try:
        with open(path, "rb") as fp:
            head = fp.read(256)
    except OSError:
        return ""
    return ".mbox" if _MBOX_HEAD.match(head) else ""


def supported_extensions() -> list[str]:
    _ensure_loaded()
    return sorted(_registry)


def is_supported(name: str, path: str | None = None) -> bool:
    _ensure_loaded()
    return extension(name, path) in _registry


def importer_for(data: bytes, name: str, path: str | None = None) -> Importer:
    """The importer that reads ``name`` (a file with no extension: by its first bytes at ``path``); raises
    ``ImportFailed`` for an unknown format."""
    _ensure_loaded()
    ext = extension(name, path)
    candidates = _registry.get(ext)
    if not candidates:
        raise ImportFailed(f"unsupported format '{ext or 'no extension'}'",
                           f"Mnemo reads {', '.join(supported_extensions())}.")
    for importer in candidates:
        if importer.sniff is None or importer.sniff(data, name):
            return importer
    raise ImportFailed(f"not a format Mnemo reads as '{ext}'",
                       "; ".join(i.expects or i.format for i in candidates) + ".")


def parse_bytes(data: bytes, name: str) -> tuple[str, ParsedDocument]:
    """Parse ``data`` (the contents of a file called ``name``) -> (format, parsed document).

    Sources are labelled with ``display_name(name)``: valid text whatever bytes the file name holds."""
    from core.documents.importers.limits import check_size

    name = display_name(name)
    if not streamed(name):
        check_size(len(data))
    importer = importer_for(data, name)
    return importer.format, _guarded(importer, lambda: importer.parse(data, name))


def parse_file(path: str, name: str) -> tuple[str, ParsedDocument]:
    """Parse the file at ``path`` (called ``name``) -> (format, parsed document). A format read piece by
    piece (a mailbox) is read from the file as its sections are iterated, in bounded memory; any other
    is read whole (the size limit applies) and parsed as ``parse_bytes`` does."""
    if not streamed(name, path):
        with open(path, "rb") as fp:
            return parse_bytes(fp.read(), name)
    name = display_name(name)
    importer = importer_for(b"", name, path)
    read = importer.read_file
    if read is None:
        raise ImportFailed(f"{importer.format} files cannot be read as a stream", "Report this as a bug.")
    return importer.format, _guarded(importer, lambda: read(path, name))


def _guarded(importer: Importer, parse: Callable[[], ParsedDocument]) -> ParsedDocument:
    """``parse()``, its failures as ``ImportFailed`` (bad input is reported, never a crash)."""
    try:
        return parse()
    except ImportFailed:
        raise
    except RecursionError as exc:
        raise ImportFailed("the file is nested too deeply to read", "It may be damaged.") from exc
    except MemoryError as exc:
        raise ImportFailed("the file needs more memory than is available to read", "It may be damaged.") from exc
    except Exception as exc:  # a library choked on malformed input: report, never crash
        raise ImportFailed(f"could not be read as {importer.format} ({type(exc).__name__}: {exc})",
                           "The file may be damaged or not what its extension says.") from exc
