"""Mail: single messages (.eml) and mailboxes (.mbox) through the stdlib ``email`` package.

Headers (from, to, subject, date, message id) become chunk metadata; the body is the plain
text part (or the HTML part as text); attachments of formats Mnemo reads are imported into
the same document with their own labels; others are listed in the document's metadata.

A mail's text starts with its header block (``mail_head``); ``mail_parts`` reads such a text
back (the addresses of From/To/Cc, the body without quoted replies) for the persona feature,
so the format is written and read in this one module.
"""
from __future__ import annotations

import email
import email.policy
import io
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import PurePath
from typing import BinaryIO, Callable, Iterator, Mapping, Sequence

from core.documents.importers.limits import LIMITS, too_large
from core.documents.importers.textutil import looks_binary
from core.documents.model import Importer, Mark, ParsedDocument, Piece, Section
from core.errors import ImportFailed

FORMAT = "email"
EXTENSIONS = (".eml", ".mbox")

_LINE = 1 << 20  # longest line read at once (a longer one is read in pieces)
_HEADER = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:", re.MULTILINE)
_ADDRESS = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,24}")
_QUOTE_INTRO = re.compile(r"\s*(On .{5,120} wrote:|-----Original Message-----|Am .{5,80} schrieb)")
ADDRESS_FIELDS = ("from", "to", "cc")


@dataclass(frozen=True)
class MailParts:
    """A mail's text split up: the header block ("" when the text has none), the body without quoted
    replies, and the e-mail addresses of each of From/To/Cc, in order."""

    head: str
    body: str
    addresses: dict[str, list[str]]

    @property
    def sender(self) -> str:
        """The first From address, or ""."""
        found = self.addresses.get("from") or []
        return found[0] if found else ""


def mail_head(headers: Mapping[str, object]) -> str:
    """The header block a mail's text starts with: From, To, (Cc,) Subject, Date, then a blank line."""
    lines = [f"From: {headers.get('from', '')}", f"To: {headers.get('to', '')}"]
    if headers.get("cc"):
        lines.append(f"Cc: {headers['cc']}")
    lines += [f"Subject: {headers.get('subject', '')}", f"Date: {headers.get('date', '')}"]
    return "\n".join(lines) + "\n\n"


def _without_quotes(body: str) -> str:
    kept = []
    for line in body.splitlines():
        if _QUOTE_INTRO.match(line):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept)


def mail_parts(text: str) -> MailParts:
    """Read a mail's text back: the header block up to the first blank line when it has a From header
    (a chunk from the middle of a long mail has none), the addresses through ``email.utils.getaddresses``,
    and the body up to the first quoted reply ("On ... wrote:", "-----Original Message-----"), without
    its ``>`` lines."""
    head, _, body = text.partition("\n\n")
    headers = HeaderParser().parsestr(head + "\n", headersonly=True)
    if headers.get("from") is None:
        return MailParts("", _without_quotes(text), {f: [] for f in ADDRESS_FIELDS})
    addresses = {f: [a for _, a in getaddresses([str(v) for v in headers.get_all(f, [])]) if _ADDRESS.fullmatch(a)]
                 for f in ADDRESS_FIELDS}
    return MailParts(head, _without_quotes(body), addresses)


def _iso(date: str) -> str:
    try:
        return parsedate_to_datetime(date).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def _body(msg: EmailMessage) -> str:
    from core.documents.importers.htmlpage import html_to_text

    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if part.get_content_subtype() == "html":
        content, _ = html_to_text(content)
    return str(content).replace("\r\n", "\n")


def message_sections(msg: EmailMessage, index: int, warnings: list[str], file: str = "") -> list[Section]:
    """The sections of one mail: its text, then the text of each attachment Mnemo reads. ``file`` (the
    .eml or .mbox the mail was found in) starts every label, so a source can be opened:
    ``mail.mbox › 'Your contract' (2024-11-05)``."""
    from core.documents import importers

    subject = str(msg.get("subject", "") or "").strip() or "(no subject)"
    date = _iso(str(msg.get("date", "") or ""))
    headers = {"message_id": str(msg.get("message-id", "") or "").strip(), "subject": subject, "date": date,
               "from": str(msg.get("from", "") or ""), "to": str(msg.get("to", "") or ""), "mail_index": index}
    label = f"{file or 'mail'} › '{importers.display_name(subject)}'" + (f" ({date})" if date else "")
    head = mail_head({**headers, "cc": str(msg.get("cc", "") or "")})
    sections = [Section(head + _body(msg), label, dict(headers))]
    skipped = []
    for att in msg.iter_attachments():
        fname = att.get_filename() or ""
        if not fname:
            continue
        if not importers.is_supported(fname):
            skipped.append(fname)
            continue
        payload = att.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        try:
            _, parsed = importers.parse_bytes(data, fname)
        except ImportFailed as exc:
            warnings.append(f"attachment {fname} of '{subject}': {exc}")
            continue
        for s in parsed.sections:
            sections.append(Section(s.text, f"{label}, attachment {s.label}", {**headers, **s.meta, "attachment": fname},
                                    group=s.group and f"att{index}:{fname}:{s.group}"))
    if skipped:
        warnings.append(f"'{subject}': attachments not imported (format unknown): {', '.join(skipped)}")
    return sections


def _unquote(raw: bytes) -> bytes:
    return re.sub(rb"^>(>*From )", rb"\1", raw, flags=re.MULTILINE) if b">From " in raw else raw  # mboxrd


def mbox_messages(fp: BinaryIO, max_bytes: int, start: Mark | None = None) -> Iterator[tuple[int, bytes | None, int, int]]:
    """The messages of an mbox read from ``fp`` as a stream, from its beginning or from ``start`` (a
    message's offset and index): (index, raw message or None when it is over ``max_bytes``, its size,
    the offset where the next one starts). One message is in memory at a time, however large the
    mailbox; a message over the limit is skipped without being kept."""
    offset = start.offset if start is not None else 0
    index = start.index if start is not None else 0
    fp.seek(offset)
    first = fp.readline(_LINE)
    if not first and start is not None:
        return  # continued from the end: nothing is left
    if not first.startswith(b"From "):
        raise ImportFailed("not an mbox mailbox (it must start with a 'From ' line)" if start is None else
                           "the mailbox changed while it was read", "Export the mailbox again.")
    offset += len(first)
    parts: list[bytes] = []
    size, at_line_start = 0, True
    while True:
        line = fp.readline(_LINE)
        if not line or (at_line_start and line.startswith(b"From ")):
            yield index, (_unquote(b"".join(parts)) if size <= max_bytes else None), size, offset
            if not line:
                return
            index, parts, size = index + 1, [], 0
        else:
            size += len(line)
            if size <= max_bytes:
                parts.append(line)
            elif parts:
                parts = []  # over the limit: stop keeping it, keep counting to the next message
        offset += len(line)
        at_line_start = line.endswith(b"\n")


def _warn(meta: dict, warning: str) -> None:
    """Keep the first 50 warnings, count the others (``_finish_meta`` says how many)."""
    kept = meta.setdefault("warnings", [])
    if len(kept) < 50:
        kept.append(warning)
    else:
        meta["warnings_more"] = meta.get("warnings_more", 0) + 1


def _finish_meta(meta: dict, title: str) -> None:
    more = meta.pop("warnings_more", 0)
    if more:
        meta["warnings"].append(f"… and {more} more")
    if meta.get("messages") == 1 and title:
        meta["title"] = title
    if not meta.get("warnings"):
        meta.pop("warnings", None)


class MailSections(Sequence[Section]):
    """The sections of a mail file, produced as they are iterated: a mailbox of several GB is read one
    message at a time, never held as a list. Indexing or ``len`` reads it all once (tests, small files).

    ``meta`` (the document's) holds the message count and the warnings so far as messages are read;
    a reading that continues from a mark (``pieces``) carries on from the ``meta`` it had there."""

    def __init__(self, open_fp: Callable[[], BinaryIO], name: str, meta: dict, mbox: bool) -> None:
        self._open, self._name, self._mbox, self.meta = open_fp, name, mbox, meta
        self._list: list[Section] | None = None

    def pieces(self, start: Mark | None = None) -> Iterator[Piece]:
        """One piece per message, from the beginning or from ``start``; the end of each is where the next
        message starts (for a mailbox)."""
        meta = self.meta
        if start is None:
            for key in ("messages", "warnings", "warnings_more", "title"):
                meta.pop(key, None)
        meta["messages"] = start.index if start is not None else 0
        title = ""
        file = PurePath(self._name).name
        with self._open() as fp:
            messages = mbox_messages(fp, LIMITS.max_bytes, start) if self._mbox else iter([(0, fp.read(), 0, 0)])
            for i, raw, size, end in messages:
                meta["messages"] = i + 1
                found: list[Section] = []
                if raw is None:
                    _warn(meta, f"message {i + 1} skipped: {too_large(size, 'it')}")
                elif not _HEADER.search(raw[:2000]):
                    _warn(meta, f"message {i + 1} has no headers; skipped")
                else:
                    warnings: list[str] = []
                    try:
                        msg = email.message_from_bytes(raw, policy=email.policy.default)
                        found = message_sections(msg, i, warnings, file)  # type: ignore[arg-type]
                    except Exception as exc:  # a malformed message costs that message, never the mailbox
                        warnings.append(f"message {i + 1} skipped: could not be read ({type(exc).__name__}: {exc})")
                    for w in warnings:
                        _warn(meta, w)
                if i == 0 and found:
                    title = found[0].meta.get("subject", "")
                yield Piece(found, Mark(end, i + 1) if self._mbox else None)
        _finish_meta(meta, title)

    def __iter__(self) -> Iterator[Section]:
        if self._list is not None:
            yield from self._list
            return
        for piece in self.pieces():
            yield from piece.sections

    def _all(self) -> list[Section]:
        if self._list is None:
            self._list = list(iter(self))
        return self._list

    def __len__(self) -> int:
        return len(self._all())

    def __getitem__(self, i):  # type: ignore[override]
        return self._all()[i]

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None if self._list is None else bool(self._list)


def sections_of(open_fp: Callable[[], BinaryIO], name: str, mbox: bool | None = None) -> ParsedDocument:
    """A mail file (.eml, or .mbox read as a stream) as a document whose sections are read lazily."""
    meta: dict = {}
    sections = MailSections(open_fp, name, meta, name.lower().endswith(".mbox") if mbox is None else mbox)
    if not sections:  # reads up to the first message with text (and raises for a file that is no mbox)
        raise ImportFailed("no mail messages found", "Check that this is a mail file (.eml) or a mailbox (.mbox).")
    return ParsedDocument(sections, meta, pieces=sections.pieces)


def parse(data: bytes, name: str) -> ParsedDocument:
    if looks_binary(data):
        raise ImportFailed("binary data, not mail", "Check the file.")
    return sections_of(lambda: io.BytesIO(data), name)


def parse_file(path: str, name: str) -> ParsedDocument:
    """Like ``parse``, reading the file at ``path`` as a stream (bounded memory for any mailbox size)."""
    with open(path, "rb") as fp:
        head = fp.read(8192)
        if looks_binary(head):
            raise ImportFailed("binary data, not mail", "Check the file.")
    # read as a stream only for a mailbox: this one is (its name ends in .mbox, or it has no extension and
    # starts with the mbox separator: Thunderbird's "Inbox")
    mbox = name.lower().endswith(".mbox") or (not PurePath(name).suffix and head.startswith(b"From "))
    return sections_of(lambda: open(path, "rb"), name, mbox)


IMPORTER = Importer(FORMAT, EXTENSIONS, parse, read_file=parse_file)
