"""Contacts (.vcf, vCard 2.1/3.0/4.0): one chunk per card, its fields in ``meta["vcard"]``.

Parsed by hand (a few dozen lines) because the format is simple and the usual library
(vobject) is not a dependency: lines are unfolded, ``item1.`` groups dropped, parameters
read, escapes undone, quoted-printable decoded. The persona feature reads ``meta["vcard"]``.
"""
from __future__ import annotations

import quopri
import re
from pathlib import PurePath
from typing import Any

from core.documents.importers.textutil import decode_text
from core.documents.model import ParsedDocument, Section
from core.errors import ImportFailed

FORMAT = "vcard"
EXTENSIONS = (".vcf", ".vcard")

_MULTI = ("email", "tel", "adr", "url", "impp")


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\,;nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _split(value: str, sep: str) -> list[str]:
    return [_unescape(p) for p in re.split(r"(?<!\\)" + re.escape(sep), value)]


def _lines(text: str) -> list[str]:
    out: list[str] = []
    for raw in text.split("\n"):
        if raw[:1] in (" ", "\t") and out:
            out[-1] += raw[1:]
        elif out and out[-1].endswith("=") and "QUOTED-PRINTABLE" in out[-1].upper():
            out[-1] = out[-1][:-1] + raw  # quoted-printable soft line break
        else:
            out.append(raw.rstrip("\r"))
    return out


def _card(lines: list[str]) -> dict[str, Any]:
    card: dict[str, Any] = {}
    for line in lines:
        if ":" not in line:
            continue
        head, value = line.split(":", 1)
        name, *params = head.split(";")
        name = name.split(".")[-1].lower()
        params_up = [p.upper() for p in params]
        if any("QUOTED-PRINTABLE" in p for p in params_up):
            value = quopri.decodestring(value.encode("latin-1", errors="replace")).decode("utf-8", errors="replace")
        types = [p.split("=", 1)[-1].lower() for p in params if "=" not in p or p.upper().startswith("TYPE=")]
        if name in ("begin", "end", "version", "prodid", "photo", "logo", "sound", "key", "uid", "rev"):
            continue
        if name == "n":
            parts = (_split(value, ";") + [""] * 5)[:5]
            card["n"] = {"family": parts[0], "given": parts[1], "additional": parts[2],
                         "prefix": parts[3], "suffix": parts[4]}
        elif name == "adr":
            p = (_split(value, ";") + [""] * 7)[:7]
            card.setdefault("adr", []).append({
                "type": ",".join(types), "po_box": p[0], "extended": p[1], "street": p[2], "locality": p[3],
                "region": p[4], "postal_code": p[5], "country": p[6]})
        elif name in _MULTI:
            entry = _unescape(value).strip()
            if entry:  # plain strings; the TYPE parameters go to a parallel list
                card.setdefault(name, []).append(entry)
                card.setdefault(f"{name}_types", []).append(",".join(types))
        elif name == "org":
            card["org"] = " ".join(p for p in _split(value, ";") if p).strip()
        elif name in ("fn", "title", "bday", "note", "nickname", "role", "gender", "anniversary"):
            card[name] = _unescape(value).strip()
        elif not name.startswith("x-"):
            card.setdefault("other", {})[name] = _unescape(value).strip()
    if "fn" not in card and "n" in card:
        card["fn"] = " ".join(x for x in (card["n"]["given"], card["n"]["family"]) if x)
    return card


def card_text(card: dict[str, Any]) -> str:
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
    if card.get("note"):
        lines.append(f"Note: {card['note']}")
    return "\n".join(lines)


def parse(data: bytes, name: str) -> ParsedDocument:
    text = decode_text(data)
    cards: list[dict[str, Any]] = []
    current: list[str] | None = None
    for line in _lines(text):
        up = line.strip().upper()
        if up == "BEGIN:VCARD":
            current = []
        elif up == "END:VCARD" and current is not None:
            card = _card(current)
            if card:
                cards.append(card)
            current = None
        elif current is not None:
            current.append(line)
    if not cards:
        raise ImportFailed("no contacts found (no BEGIN:VCARD ... END:VCARD)", "Export the contacts again as vCard.")
    base = PurePath(name).name
    sections = [Section(card_text(c), f"contact '{c.get('fn') or '?'}' ({base})", {"vcard": c, "card": i})
                for i, c in enumerate(cards)]
    return ParsedDocument(sections, {"contacts": len(cards)})
