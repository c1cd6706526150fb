"""Decoding text files safely: UTF-8 (with or without BOM) or UTF-16 with BOM; binary junk is refused."""
from __future__ import annotations

from core.errors import ImportFailed

_CONTROL = set(range(0, 32)) - {9, 10, 12, 13}


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KiB mean 'not text'."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    bad = sum(1 for b in head if b in _CONTROL)
    return bad / len(head) > 0.05


def decode_text(data: bytes) -> str:
    """Return the text of ``data`` or raise ``ImportFailed`` saying why it is not readable text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFailed("damaged UTF-16 text", "Save it again as UTF-8.") from exc
    if looks_binary(data):
        raise ImportFailed("binary data, not text", "The extension says text but the content is not; check the file.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(f"not UTF-8 text (invalid byte at offset {exc.start})",
                           "Save the file as UTF-8 and import it again.") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def require_text(text: str, what: str = "the file") -> None:
    if not text.strip():
        raise ImportFailed(f"{what} has no text", "Nothing to import.")
