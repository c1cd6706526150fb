"""Find sensitive values in free text: card numbers, IBANs, national ID and tax numbers, passwords.

Imported documents, mail and chat carry values that must never be stored or shown in plaintext
(``core.privacy.vault`` replaces them with placeholders). Each finder checks what it found with
the number's own rules (Luhn and issuer prefixes for cards, the IBAN checksum, ``python-stdnum``'s
validators for ID and tax numbers), so that phone, order and invoice numbers are left alone. Numbers
without a checksum of their own (passports, ID cards) are found only right after a word that names them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

KINDS = ("card", "iban", "passport", "national_id", "tax_id", "password")


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` is a sensitive ``value`` of ``kind``."""

    start: int
    end: int
    kind: str
    value: str

    @property
    def compact(self) -> str:
        """The value without spaces, dashes and dots (what equal values share)."""
        return self.value if self.kind == "password" else re.sub(r"[\s./-]", "", self.value).upper()


# ---- cards ---------------------------------------------------------------------------------------------------
_CARD_RE = re.compile(r"(?<![\w+-])\d(?:[ -]?\d){11,18}(?![\w-])")
_NOT_A_CARD_BEFORE = re.compile(
    r"(?:order|bestell|auftrag|invoice|rechnung|facture|tracking|sendung|ref(?:erence)?|kunden|customer|"
    r"account|konto|tel|phone|fax|mobil|isbn|ean|gtin|imei)\w*\W{0,6}(?:(?:no|nr|number|nummer)\W{0,3})?$", re.I)


def _issuer_ok(d: str) -> bool:
    n = len(d)
    two, four = int(d[:2]), int(d[:4])
    if d[0] == "4":
        return n in (13, 16, 19)                                   # Visa
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return n == 16                                             # Mastercard
    if two in (34, 37):
        return n == 15                                             # American Express
    if d.startswith(("6011", "65")) or 644 <= int(d[:3]) <= 649 or d.startswith("62"):
        return 16 <= n <= 19                                       # Discover, UnionPay
    if 3528 <= four <= 3589:
        return 16 <= n <= 19                                       # JCB
    if two in (36, 38, 39) or 300 <= int(d[:3]) <= 305:
        return 14 <= n <= 19                                       # Diners
    if two == 50 or 56 <= two <= 69:
        return 12 <= n <= 19                                       # Maestro
    return False


def _cards(text: str) -> list[Span]:
    from stdnum import luhn

    out = []
    for m in _CARD_RE.finditer(text):
        raw = m.group(0)
        seps = set(re.findall(r"[ -]", raw))
        if len(seps) > 1 or "  " in raw:
            continue
        digits = re.sub(r"\D", "", raw)
        if not (13 <= len(digits) <= 19 or (len(digits) >= 12 and digits[:2] in ("50",))):
            continue
        if not _issuer_ok(digits) or not luhn.is_valid(digits):
            continue
        if _NOT_A_CARD_BEFORE.search(text[max(0, m.start() - 30):m.start()]):
            continue
        out.append(Span(m.start(), m.end(), "card", raw))
    return out


# ---- IBANs ---------------------------------------------------------------------------------------------------
_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,32}")


def _ibans(text: str) -> list[Span]:
    from stdnum import iban

    out = []
    for m in _IBAN_RE.finditer(text):
        raw = m.group(0)
        # the longest prefix that ends at a group boundary and is a valid IBAN ("... 32 AND" is not part of it)
        ends = [i for i in range(len(raw), 13, -1) if i == len(raw) or raw[i] == " "]
        for end in ends:
            cand = raw[:end].rstrip()
            if iban.is_valid(cand):
                out.append(Span(m.start(), m.start() + len(cand), "iban", cand))
                break
    return out


# ---- ID and tax numbers --------------------------------------------------------------------------------------
def _validators() -> list[tuple[str, Callable[[str], bool]]]:
    from stdnum.de import idnr, stnr
    from stdnum.es import dni, nie
    from stdnum.fr import nif, nir
    from stdnum.gb import utr
    from stdnum.it import codicefiscale
    from stdnum.nl import bsn
    from stdnum.se import personnummer
    from stdnum.us import ssn

    return [("tax_id", idnr.is_valid), ("tax_id", stnr.is_valid), ("tax_id", nif.is_valid),
            ("national_id", nir.is_valid), ("tax_id", utr.is_valid), ("national_id", bsn.is_valid),
            ("tax_id", codicefiscale.is_valid), ("national_id", dni.is_valid), ("national_id", nie.is_valid),
            ("national_id", personnummer.is_valid), ("national_id", ssn.is_valid)]


_KEYWORDS = {
    "passport": r"passport|reisepass|passeport|pasaporte|passaporto|paspoort",
    # acronyms only in capitals: "nie" is German for "never"
    "national_id": (r"national[ -]id|identity card|id[ -]card|personalausweis|ausweis|carte d'identit[ée]|"
                    r"social security|burgerservicenummer|personnummer|national insurance|"
                    r"num[ée]ro de s[ée]curit[ée] sociale|(?-i:SSN|BSN|DNI|NIE|NIR|NINO)"),
    "tax_id": (r"tax[ -]?id|tax (?:identification )?number|taxpayer id|steuer-?id|steuer-?identifikationsnummer|"
               r"steuernummer|identifikationsnummer|num[ée]ro fiscal|codice fiscale|(?-i:NIF|UTR|TIN)"),
}
_NUMWORD = r"(?:\s+(?:number|no\.?|nr\.?|num(?:ber|[ée]ro)?|nummer|#))?"
_VALUE = r"(?-i:(?P<val>[A-Z0-9](?:[A-Z0-9]|[ ./-](?=[A-Z0-9])){4,24}))"
_KEYED_RE = re.compile(
    r"\b(?P<kw>" + "|".join(f"(?P<{k}>{v})" for k, v in _KEYWORDS.items()) + r")\b" + _NUMWORD
    + r"(?:\s*(?:is|ist|est|es|:|=|-|#)){0,2}\s*" + _VALUE, re.I)
_DATE_RE = re.compile(r"\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
_SSN_RE = re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])")
_CF_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{6}\d{2}[A-Z]\d{2}[A-Z]\d{3}[A-Z](?![A-Za-z0-9])")


def _ids(text: str) -> list[Span]:
    from stdnum.it import codicefiscale
    from stdnum.us import ssn

    checks = _validators()
    out = []
    for m in _KEYED_RE.finditer(text):
        kind = next(k for k in _KEYWORDS if m.group(k))
        raw = m.group("val")
        start = m.start("val")
        # drop trailing groups until a validator accepts it ("12 345 678 901 valid" never reaches here: lower case)
        cuts = [i for i in range(len(raw), 4, -1) if i == len(raw) or raw[i] in " ./-"]
        found = None
        for end in cuts:
            cand = raw[:end]
            for k, ok in checks:
                try:
                    if ok(cand):
                        found = (k if kind == "tax_id" or k == "tax_id" else kind, cand)
                        break
                except Exception:  # a validator's own error on odd input: not that number
                    continue
            if found:
                break
        if found is None and kind != "tax_id":
            # no checksum to test (passports, ID cards): the word before it says what it is; it must look like one
            cand = raw.split(" ")[0] if kind == "passport" else raw
            if (len(re.sub(r"\D", "", cand)) >= 2 and 6 <= len(re.sub(r"[ ./-]", "", cand)) <= 14
                    and not _DATE_RE.fullmatch(cand)):
                found = (kind, cand)
        if found:
            out.append(Span(start, start + len(found[1]), found[0], found[1]))
    for m in _SSN_RE.finditer(text):
        if ssn.is_valid(m.group(0)):
            out.append(Span(m.start(), m.end(), "national_id", m.group(0)))
    for m in _CF_RE.finditer(text):
        if codicefiscale.is_valid(m.group(0)):
            out.append(Span(m.start(), m.end(), "tax_id", m.group(0)))
    return out


# ---- passwords -----------------------------------------------------------------------------------------------
_PASSWORD_RE = re.compile(
    r"\b(?:password|passwort|kennwort|mot de passe|contrase[ñn]a|passcode|passwd|pwd|pin(?: code)?|code pin)"
    r"[^\S\n]*[:=][^\S\n]*(?P<val>[^\s•][^\n]{0,79}?)[^\S\n]*(?=\n|$)", re.I)


def _passwords(text: str) -> list[Span]:
    return [Span(m.start("val"), m.end("val"), "password", m.group("val")) for m in _PASSWORD_RE.finditer(text)]


# ---- all -----------------------------------------------------------------------------------------------------
_FINDERS = (_ibans, _cards, _ids, _passwords)  # earlier finders win where spans overlap


def find(text: str) -> list[Span]:
    """The sensitive values in ``text``, in order, none overlapping."""
    if not text or not re.search(r"\d|pass|wort|pwd|pin|code|contras", text, re.I):
        return []
    taken: list[Span] = []
    for finder in _FINDERS:
        for sp in finder(text):
            if sp.end > sp.start and not any(sp.start < t.end and t.start < sp.end for t in taken):
                taken.append(sp)
    return sorted(taken, key=lambda s: s.start)
