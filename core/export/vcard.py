"""Profile facts (keyed on HTML ``autocomplete`` tokens) as one vCard 4.0 (RFC 6350).

Written with vobject, the library the contacts importer reads vCards with: it escapes the
values, folds lines at 75 octets (never inside a UTF-8 sequence) and ends them with CRLF.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import vobject
from vobject.vcard import Address, Name


def facts_to_vcard(facts: Mapping[str, Sequence[str]]) -> str:
    """``facts``: autocomplete token -> values (first = preferred). Returns the vCard text (CRLF lines)."""
    def first(*keys: str) -> str:
        for k in keys:
            vals = facts.get(k) or []
            if vals:
                return str(vals[0])
        return ""

    card = vobject.vCard()

    def add(name: str, value: object, params: Mapping[str, str] | None = None) -> None:
        line = card.add(name)
        line.value = value
        for key, val in (params or {}).items():
            line.params[key] = [val]

    given, family = first("given-name"), first("family-name")
    additional, prefix, suffix = first("additional-name"), first("honorific-prefix"), first("honorific-suffix")
    full = first("name") or " ".join(p for p in (prefix, given, additional, family, suffix) if p) or "Me"
    add("version", "4.0")
    add("fn", full)
    add("n", Name(family=family, given=given, additional=additional, prefix=prefix, suffix=suffix))
    if first("nickname"):
        add("nickname", first("nickname"))
    for i, v in enumerate(facts.get("email") or []):
        add("email", str(v), {"PREF": "1"} if i == 0 else None)
    for i, v in enumerate([*(facts.get("tel") or []), *(facts.get("tel-national") or [])]):
        add("tel", f"tel:{str(v).replace(' ', '-')}", {"VALUE": "uri", **({"PREF": "1"} if i == 0 else {})})
    street = first("street-address") or ", ".join(
        str(v) for k in ("address-line1", "address-line2", "address-line3") for v in (facts.get(k) or [])[:1])
    city, region = first("address-level2"), first("address-level1")
    postal, country = first("postal-code"), first("country-name", "country")
    if any((street, city, region, postal, country)):
        add("adr", Address(street=street, city=city, region=region, code=postal, country=country))
    bday = first("bday")
    if bday:
        add("bday", bday.replace("-", "") if len(bday) == 10 else bday)
    if first("organization"):
        add("org", [first("organization")])
    if first("organization-title"):
        add("title", first("organization-title"))
    for v in facts.get("url") or []:
        add("url", str(v))
    if first("sex"):
        add("gender", first("sex")[:1].upper())
    return str(card.serialize())
