"""Profile facts (keyed on HTML ``autocomplete`` tokens) as one vCard 4.0 (RFC 6350).

Written by hand: the format is a few escaped lines, and the vCard libraries on PyPI
would add a dependency for what is twenty lines here.
"""
from __future__ import annotations

from typing import Mapping, Sequence


def _esc(value: str) -> str:
    return (value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "")
            .replace(",", "\\,").replace(";", "\\;"))


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded with CRLF + space (RFC 6350 3.2)."""
    out: list[str] = []
    raw = line.encode("utf-8")
    while len(raw) > 75:
        cut = 75 if not out else 74
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            cut -= 1
        out.append(raw[:cut].decode("utf-8"))
        raw = raw[cut:]
    out.append(raw.decode("utf-8"))
    return [out[0]] + [" " + p for p in out[1:]]


def facts_to_vcard(facts: Mapping[str, Sequence[str]]) -> str:
    """``facts``: autocomplete token -> values (first = preferred). Returns the vCard text (CRLF lines)."""
    def first(*keys: str) -> str:
        for k in keys:
            vals = facts.get(k) or []
            if vals:
                return str(vals[0])
        return ""

    given, family = first("given-name"), first("family-name")
    additional, prefix, suffix = first("additional-name"), first("honorific-prefix"), first("honorific-suffix")
    full = first("name") or " ".join(p for p in (prefix, given, additional, family, suffix) if p) or "Me"
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"FN:{_esc(full)}",
             "N:" + ";".join(_esc(x) for x in (family, given, additional, prefix, suffix))]
    if first("nickname"):
        lines.append(f"NICKNAME:{_esc(first('nickname'))}")
    for i, v in enumerate(facts.get("email") or []):
        lines.append(f"EMAIL{';PREF=1' if i == 0 else ''}:{_esc(str(v))}")
    for i, v in enumerate([*(facts.get("tel") or []), *(facts.get("tel-national") or [])]):
        lines.append(f"TEL;VALUE=uri{';PREF=1' if i == 0 else ''}:tel:{str(v).replace(' ', '-')}")
    street = first("street-address") or ", ".join(
        str(v) for k in ("address-line1", "address-line2", "address-line3") for v in (facts.get(k) or [])[:1])
    city, region = first("address-level2"), first("address-level1")
    postal, country = first("postal-code"), first("country-name", "country")
    if any((street, city, region, postal, country)):
        lines.append("ADR:" + ";".join(_esc(x) for x in ("", "", street, city, region, postal, country)))
    bday = first("bday")
    if bday:
        lines.append(f"BDAY:{bday.replace('-', '') if len(bday) == 10 else _esc(bday)}")
    org = first("organization")
    if org:
        lines.append(f"ORG:{_esc(org)}")
    title = first("organization-title")
    if title:
        lines.append(f"TITLE:{_esc(title)}")
    for v in facts.get("url") or []:
        lines.append(f"URL:{_esc(str(v))}")
    sex = first("sex")
    if sex:
        lines.append(f"GENDER:{_esc(sex[:1].upper())}")
    lines.append("END:VCARD")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
