"""Mail: single messages (.eml) and mailboxes (.mbox) through the stdlib ``email`` package.

Headers (from, to, subject, date, message id) become chunk metadata; the body is the plain
text part (or the HTML part as text); attachments of formats Mnemo reads are imported into
the same document with their own labels; others are listed in the document's metadata.
"""
from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import PurePath

from core.documents.importers.textutil import looks_binary
from core.documents.model import ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "email"
EXTENSIONS = (".eml", ".mbox")

_FROM_LINE = re.compile(rb"^From .*$", re.MULTILINE)
_HEADER = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:", re.MULTILINE)


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
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
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
    head = f"From: {headers['from']}\nTo: {headers['to']}\nSubject: {subject}\nDate: {date}\n\n"
    sections = [Section(head + _body(msg), label, dict(headers))]
    skipped = []
    for att in msg.iter_attachments():
        fname = att.get_filename() or ""
        if not fname:
            continue
        if not importers.is_supported(fname):
            skipped.append(fname)
            continue
        data = att.get_payload(decode=True) or b""
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
