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
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Mapping

from core.documents.importers.textutil import looks_binary
from core.documents.model import Importer, ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "email"
EXTENSIONS = (".eml", ".mbox")

_FROM_LINE = re.compile(rb"^From .*$", re.MULTILINE)
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


def message_sections(msg: EmailMessage, index: int, warnings: list[str]) -> list[Section]:
    from core.documents import importers

    subject = str(msg.get("subject", "") or "").strip() or "(no subject)"
    date = _iso(str(msg.get("date", "") or ""))
    headers = {"message_id": str(msg.get("message-id", "") or "").strip(), "subject": subject, "date": date,
               "from": str(msg.get("from", "") or ""), "to": str(msg.get("to", "") or ""), "mail_index": index}
    label = f"mail '{subject}'" + (f" {date}" if date else "")
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


def _split_mbox(data: bytes) -> list[bytes]:
    starts = [m.start() for m in _FROM_LINE.finditer(data)]
    if not starts or starts[0] != 0:
        raise ImportFailed("not an mbox mailbox (it must start with a 'From ' line)", "Export the mailbox again.")
    parts = []
    for a, b in zip(starts, starts[1:] + [len(data)]):
        chunk = data[a:b]
        nl = chunk.find(b"\n")
        body = chunk[nl + 1:] if nl >= 0 else b""
        parts.append(re.sub(rb"^>(>*From )", rb"\1", body, flags=re.MULTILINE))  # mboxrd unquoting
    return parts


def parse(data: bytes, name: str) -> ParsedDocument:
    if looks_binary(data):
        raise ImportFailed("binary data, not mail", "Check the file.")
    raw_messages = _split_mbox(data) if name.lower().endswith(".mbox") else [data]
    warnings: list[str] = []
    sections: list[Section] = []
    for i, raw in enumerate(raw_messages):
        if not _HEADER.search(raw[:2000]):
            warnings.append(f"message {i + 1} has no headers; skipped")
            continue
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        sections.extend(message_sections(msg, i, warnings))  # type: ignore[arg-type]
    if not sections:
        raise ImportFailed("no mail messages found", "Check that this is a mail file (.eml) or a mailbox (.mbox).")
    meta: dict = {"messages": len(raw_messages)}
    if warnings:
        meta["warnings"] = warnings[:50]
    if len(raw_messages) == 1:
        meta["title"] = sections[0].meta.get("subject", "")
    return ParsedDocument(sections, meta)


IMPORTER = Importer(FORMAT, EXTENSIONS, parse)
