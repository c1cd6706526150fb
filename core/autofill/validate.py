"""Is this value one the field accepts? Every proposal passes here before it is shown.

An e-mail field gets only an address, a phone field only a phone number (``phonenumbers``),
a date field only a date, a postal-code field only a postal code of the shape of the user's
country, a number field a number; ``maxlength`` and ``pattern`` hold; and a sentence is never
the value of a one-line field. ``problem`` says what is wrong ("" when nothing is): the
service then proposes nothing and shows that reason in the review.
"""
from __future__ import annotations

import re
from datetime import date

from core.autofill.countries import country_code, language_code
from core.autofill.model import FormField
from core.autofill.values import month_number, parse_date
from core.persona.regions import POSTAL_CODES

CHOICE_KINDS = {"select", "radio", "checkbox"}
_KIND_TYPES = {"email": "email", "tel": "tel", "date": "date", "number": "number", "url": "url", "range": "number"}
_KEY_TYPES = {
    "email": "email", "tel": "tel", "tel-national": "tel", "tel-local": "tel", "bday": "date",
    "bday-day": "day", "bday-month": "month", "bday-year": "year", "postal-code": "postal-code",
    "country-name": "country", "country": "country", "nationality": "country", "language": "language",
    "url": "url", "given-name": "name", "family-name": "name", "additional-name": "name", "name": "name",
    "nickname": "name",
}
# How many words a one-line field's value may have (by key; others get the default).
_MAX_WORDS = {"street-address": 7, "address-line1": 7, "address-line2": 6, "organization": 8,
              "organization-title": 7, "name": 5}
_DEFAULT_MAX_WORDS = 6
_DOCUMENT_MAX_WORDS = 5  # a value read out of a document's text: "more than a few words" is a sentence

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}")
_PHONE_CHARS = re.compile(r"\+?[0-9 ()./\-]{6,24}")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_URL = re.compile(r"(?:https?://)?(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?#]\S*)?", re.I)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_ANY_POSTAL_CODE = re.compile(r"(?=.*\d)[A-Z0-9][A-Z0-9 -]{1,8}[A-Z0-9]")


# A web-address field named after a site asks for the user's page there, not any web address of theirs.
_SITES = {"linkedin": "linkedin.", "xing": "xing.", "github": "github.", "gitlab": "gitlab.", "twitter": "twitter.",
          "instagram": "instagram.", "facebook": "facebook.", "orcid": "orcid.", "behance": "behance.",
          "youtube": "youtube.", "mastodon": "", "tiktok": "tiktok."}


def _named_site(field: FormField) -> str:
    words = " ".join((field.label, field.placeholder, field.html_name, field.html_id, field.name)).casefold()
    return next((dom for site, dom in _SITES.items() if site in words and dom), "")


def wanted_type(field: FormField, key: str) -> str:
    """What the field accepts: email, tel, date, number, url, postal-code, name, day, month, year, country,
    language or text."""
    if field.kind in _KIND_TYPES:
        return _KIND_TYPES[field.kind]
    return "text" if "+" in key else _KEY_TYPES.get(key, "text")  # "postal-code+address-level2": two values


def is_email(value: str) -> bool:
    return bool(_EMAIL.fullmatch(value.strip()))


def is_phone(value: str, region: str = "") -> bool:
    """A possible phone number (of ``region`` when it is written without a country code)."""
    import phonenumbers

    v = value.strip()
    if not _PHONE_CHARS.fullmatch(v) or sum(c.isdigit() for c in v) < 6:
        return False
    try:
        n = phonenumbers.parse(v, region.upper() or None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(n)


def is_postal_code(value: str, region: str = "") -> bool:
    v = " ".join(value.upper().split())
    shape = POSTAL_CODES.get(region.upper())
    if shape is not None:
        return bool(re.fullmatch(shape, v))
    return bool(_ANY_POSTAL_CODE.fullmatch(v))


def _type_problem(value: str, wanted: str, field: FormField, region: str, source: str = "fact") -> str:
    v = value.strip()
    if wanted == "email" and not is_email(v):
        return f"'{_short(v)}' is not an e-mail address"
    if wanted == "tel" and not is_phone(v, region):
        return f"'{_short(v)}' is not a phone number"
    if wanted == "date":
        ok = bool(_ISO_DATE.fullmatch(v)) and parse_date(v) is not None if field.kind == "date" else parse_date(v) is not None
        if not ok:
            return f"'{_short(v)}' is not a date" + (" (YYYY-MM-DD)" if field.kind == "date" else "")
    if wanted == "number" and not _NUMBER.fullmatch(v):
        return f"'{_short(v)}' is not a number"
    if wanted == "url" and not _URL.fullmatch(v):
        return f"'{_short(v)}' is not a web address"
    site = _named_site(field)
    if wanted == "url" and site and site not in v.casefold():
        return f"'{_short(v)}' is not a {site.rstrip('.')} address"
    if wanted == "postal-code" and not is_postal_code(v, region):
        where = f" of {region.upper()}" if region.upper() in POSTAL_CODES else ""
        return f"'{_short(v)}' is not a postal code{where}"
    if wanted == "name" and (any(c.isdigit() for c in v) or "@" in v):
        return f"'{_short(v)}' is not a name"
    if wanted == "day" and not (v.isdigit() and 1 <= int(v) <= 31):
        return f"'{_short(v)}' is not a day of the month"
    if wanted == "month" and month_number(v) is None:
        return f"'{_short(v)}' is not a month"
    if wanted == "year" and not (v.isdigit() and len(v) == 4 and 1880 <= int(v) <= date.today().year):
        return f"'{_short(v)}' is not a year"
    # a profile fact is the user's own word ("Scotland"); a value read out of text must name a country
    if wanted == "country" and source != "fact" and not country_code(v):
        return f"'{_short(v)}' is not a country"
    if wanted == "language" and source != "fact" and not language_code(v):
        return f"'{_short(v)}' is not a language"
    return ""


def _sentence_problem(value: str, key: str, field: FormField, source: str) -> str:
    if field.kind == "textarea":
        return ""
    v = value.strip()
    if "\n" in v:
        return "several lines do not fit a one-line field"
    if not any(c.islower() for c in v):   # "GB82 WEST 1234 5698 7654 32": a code in groups, not a sentence
        return ""
    words = len(v.split())
    limit = _MAX_WORDS.get(key, _DEFAULT_MAX_WORDS)
    if source == "document":
        limit = min(limit, _DOCUMENT_MAX_WORDS)
    if words > limit:
        return f"a sentence is not a value ({words} words for a one-line field)"
    if words >= 4 and v[-1] in ".!?" and not v.endswith(("Ltd.", "Inc.", "Co.", "e.V.", "S.A.", "Corp.")):
        return "a sentence is not a value"
    return ""


def _pattern_problem(value: str, field: FormField) -> str:
    if not field.pattern:
        return ""
    try:
        ok = re.fullmatch(f"(?:{field.pattern})", value) is not None
    except re.error:
        return ""  # a pattern Python cannot read (JavaScript-only syntax): the form checks it itself
    return "" if ok else f"'{_short(value)}' does not match the field's pattern {field.pattern}"


def problem(value: str, field: FormField, key: str = "", region: str = "", source: str = "fact") -> str:
    """Why ``value`` must not be proposed for ``field`` (matched to profile ``key``), or "" when it may.

    ``region`` is the user's country (for national phone numbers and postal-code shapes);
    ``source`` is fact, document or memory (values read out of text get a stricter word limit).
    """
    v = value.strip()
    if not v:
        return "no value"
    if field.kind in CHOICE_KINDS:
        return ""  # one of the form's own options (the service only ever picks those)
    why = (_sentence_problem(v, key, field, source) or _type_problem(v, wanted_type(field, key), field, region, source)
           or _pattern_problem(v, field))
    if why:
        return why
    if field.max_length and len(v) > field.max_length:
        return f"'{_short(v)}' is longer than the field's {field.max_length} characters"
    return ""


def _short(v: str, n: int = 40) -> str:
    return v if len(v) <= n else v[: n - 1] + "…"
