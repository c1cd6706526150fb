"""Contacts (.vcf, vCard 2.1/3.0/4.0): one chunk per card, its fields in ``meta["vcard"]``.

The one vCard reader of Mnemo (the persona rules read raw vCard text through ``read_cards``
too). Lines are parsed by vobject (``textLineToContentLine``: name, group, parameters,
quoted-printable in its CHARSET) and values decoded by vobject (``stringToTextValues``,
``splitFields``). Two steps are done here instead of by ``vobject.readComponents``:

- cutting the file into cards and unfolding the lines, in one linear pass: vobject's own
  unfolding copies the logical line for every physical line (a 3 MB quoted-printable NOTE
  takes half a minute), and its reader stops at the first broken card, losing the others.
  Here a card vobject cannot read is skipped with a warning and the other cards are kept;
- the text values: vobject's text behaviour keeps only what comes before the first unescaped
  comma ("NOTE:a, b" reads "a"; vCard 2.1 has no comma escapes), so values are joined again.

Binary properties (PHOTO, LOGO, SOUND, KEY) are dropped before parsing. ``meta["vcard"]``
holds only its own card, with long values clipped, so a chunk of a huge card never carries
megabytes of metadata; a long NOTE is a section of its own, without the fields.
"""
from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from vobject.base import ContentLine, textLineToContentLine
from vobject.icalendar import stringToTextValues
from vobject.vcard import splitFields

from core.documents.importers.textutil import decode_text
from core.documents.model import Importer, ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "vcard"
EXTENSIONS = (".vcf", ".vcard")

_MULTI = ("email", "tel", "url", "impp")
_TEXT = ("fn", "title", "bday", "note", "nickname", "role", "gender", "anniversary")
_SKIP = {"begin", "end", "version", "prodid", "uid", "rev"}
_BINARY = {"PHOTO", "LOGO", "SOUND", "KEY"}
_LINE_END = re.compile(r"\r\n|\r|\n")
_NAME = re.compile(r"^(?:[A-Za-z0-9_-]+\.)?([A-Za-z0-9_-]+)")

META_VALUE_CHARS = 500      # longer values are clipped in meta["vcard"] (the text keeps them whole)
META_LIST_ITEMS = 50
LONG_NOTE_CHARS = 1000      # a longer NOTE becomes a section of its own


def _logical_lines(text: str) -> list[str]:
    """Unfold: a line starting with a space or tab continues the previous one; in vCard 2.1 a
    quoted-printable value ending in ``=`` continues on the next line (soft line break).
    Linear: the pieces of a logical line are joined once."""
    out: list[str] = []
    parts: list[str] = []
    qp = False
    for raw in _LINE_END.split(text):
        if parts and qp and parts[-1].endswith("="):
            parts[-1] = parts[-1][:-1]
            parts.append(raw)
        elif parts and raw[:1] in (" ", "\t"):
            parts.append(raw[1:])
        else:
            if parts:
                out.append("".join(parts))
            parts = [raw] if raw.strip() else []
            qp = bool(parts) and "QUOTED-PRINTABLE" in raw.split(":", 1)[0].upper()
    if parts:
        out.append("".join(parts))
    return out


def _split_cards(lines: list[str]) -> tuple[list[list[str]], list[str]]:
    """The lines of each top-level ``BEGIN:VCARD`` ... ``END:VCARD`` (nested cards, vCard 2.1
    AGENT, are dropped); warnings for cards that never end."""
    cards: list[list[str]] = []
    warnings: list[str] = []
    current: list[str] | None = None
    depth = 0
    for line in lines:
        up = line.strip().upper()
        if up == "BEGIN:VCARD":
            depth += 1
            if depth == 1:
                current = []
            continue
        if current is None:
            continue
        if up == "END:VCARD":
            depth -= 1
            if depth == 0:
                cards.append(current)
                current = None
            continue
        if depth == 1:
            m = _NAME.match(line)
            if not (m and m.group(1).upper() in _BINARY):
                current.append(line)
    if current is not None:
        warnings.append(f"contact {len(cards) + 1} skipped: it has no END:VCARD (the file may be cut off)")
    return cards, warnings


def _types(line: ContentLine) -> str:
    """``TYPE=home,work`` (3.0/4.0) and ``;HOME;VOICE`` (2.1) as ``home,work``."""
    values = [*line.params.get("TYPE", []), *line.singletonparams]
    return ",".join(str(v).lower() for v in values)


def _whole(value: str) -> str:
    """Without a dangling backslash at the end (vobject would read ``a\\`` as ``a\\eof``)."""
    return value[:-1] if (len(value) - len(value.rstrip("\\"))) % 2 else value


def _text(value: str) -> str:
    """A single text value with the escapes undone, commas kept."""
    return ",".join(stringToTextValues(_whole(value))).strip()


def _fields(value: str, n: int) -> list[str]:
    """The ``;``-separated components of N, ADR or ORG, padded to ``n``."""
    parts = [",".join(p) if isinstance(p, list) else p for p in splitFields(_whole(value))]
    return [p.strip() for p in (parts + [""] * n)[:n]] if n else [p.strip() for p in parts]


def _card(lines: list[str]) -> dict[str, Any]:
    """One card's fields; raises what vobject raises for a line it cannot read."""
    card: dict[str, Any] = {}
    for number, text in enumerate(lines, 1):
        line = textLineToContentLine(text, number)
        name = line.name.lower()
        value = line.value if isinstance(line.value, str) else str(line.value)
        if name in _SKIP:
            continue
        if name == "n":
            p = _fields(value, 5)
            card["n"] = {"family": p[0], "given": p[1], "additional": p[2], "prefix": p[3], "suffix": p[4]}
        elif name == "adr":
            p = _fields(value, 7)
            card.setdefault("adr", []).append({
                "type": _types(line), "po_box": p[0], "extended": p[1], "street": p[2], "locality": p[3],
                "region": p[4], "postal_code": p[5], "country": p[6]})
        elif name in _MULTI:
            entry = _text(value)
            if name in ("tel", "email") and entry.lower().startswith(("tel:", "mailto:")):  # vCard 4.0 URIs
                entry = entry.split(":", 1)[1].strip()
            if entry:  # plain strings; the TYPE parameters go to a parallel list
                card.setdefault(name, []).append(entry)
                card.setdefault(f"{name}_types", []).append(_types(line))
        elif name == "org":  # the organization, then its units
            units = [p for p in _fields(value, 0) if p]
            card["org"], card["org_units"] = " ".join(units), units
        elif name in _TEXT:
            card[name] = _text(value)
        elif not name.startswith("x-"):
            card.setdefault("other", {})[name] = _text(value)
    if "fn" not in card and "n" in card:
        card["fn"] = " ".join(x for x in (card["n"]["given"], card["n"]["family"]) if x)
    return card


def read_cards(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every card of a vCard file as a plain dict (``fn``, ``n``, ``email``, ``tel``, ``adr``, ``org``...),
    and one warning for each card that could not be read (the others are kept)."""
    blocks, warnings = _split_cards(_logical_lines(text))
    cards: list[dict[str, Any]] = []
    for i, block in enumerate(blocks, 1):
        try:
            card = _card(block)
        except Exception as exc:  # vobject raises ParseError, LookupError (charset), UnicodeError...
            warnings.append(f"contact {i} skipped: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        if card:
            cards.append(card)
    return cards, warnings


def _clip(value: Any) -> Any:
    if isinstance(value, str):
        return value if len(value) <= META_VALUE_CHARS else value[:META_VALUE_CHARS] + "…"
    if isinstance(value, list):
        return [_clip(v) for v in value[:META_LIST_ITEMS]]
    if isinstance(value, dict):
        return {k: _clip(v) for k, v in list(value.items())[:META_LIST_ITEMS]}
    return value


def card_text(card: dict[str, Any], with_note: bool = True) -> str:
    lines = [f"Contact: {card.get('fn', '')}"]
    for key, title in (("nickname", "Nickname"), ("org", "Organization"), ("title", "Job title"), ("bday", "Birthday")):
        if card.get(key):
            lines.append(f"{title}: {card[key]}")
    for key, title in (("email", "Email"), ("tel", "Phone"), ("url", "Web")):
        for v in card.get(key, []):
            lines.append(f"{title}: {v}")
    for a in card.get("adr", []):
        parts = [a["street"], a["extended"], f"{a['postal_code']} {a['locality']}".strip(), a["region"], a["country"]]
        lines.append("Address: " + ", ".join(p for p in parts if p))
    if with_note and card.get("note"):
        lines.append(f"Note: {card['note']}")
    return "\n".join(lines)


def _sections(card: dict[str, Any], i: int, base: str) -> list[Section]:
    label = f"contact '{card.get('fn') or '?'}' ({base})"
    meta = {"vcard": _clip(card), "card": i}
    note = str(card.get("note") or "")
    if len(note) <= LONG_NOTE_CHARS:
        return [Section(card_text(card), label, meta)]
    return [Section(card_text(card, with_note=False), label, meta),
            Section(f"Note on {card.get('fn') or 'the contact'}: {note}", label, {"card": i})]


def parse(data: bytes, name: str) -> ParsedDocument:
    cards, warnings = read_cards(decode_text(data))
    if not cards:
        reason = f" ({warnings[0]})" if warnings else " (no BEGIN:VCARD ... END:VCARD)"
        raise ImportFailed(f"no contacts found{reason}", "Export the contacts again as vCard.")
    base = PurePath(name).name
    sections = [s for i, c in enumerate(cards) for s in _sections(c, i, base)]
    meta: dict[str, Any] = {"contacts": len(cards)}
    if warnings:
        meta["warnings"] = warnings[:50]
    return ParsedDocument(sections, meta)


IMPORTER = Importer(FORMAT, EXTENSIONS, parse)
