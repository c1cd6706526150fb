"""Fact keys: the HTML ``autocomplete`` tokens, free keys, which keys are sensitive, masking.

Keying facts on the autocomplete tokens means autofill needs no mapping table; anything
without a token gets a free kebab-case key (``favorite-food``, ``partner-name``).
"""
from __future__ import annotations

import re
import unicodedata

from core.persona.values import looks_like_card, looks_like_iban, parse_date

# The WHATWG autocomplete field names a person's profile can hold.
AUTOCOMPLETE_TOKENS: frozenset[str] = frozenset({
    "name", "honorific-prefix", "given-name", "additional-name", "family-name", "honorific-suffix", "nickname",
    "username", "organization-title", "organization", "street-address", "address-line1", "address-line2",
    "address-line3", "address-level4", "address-level3", "address-level2", "address-level1", "country",
    "country-name", "postal-code", "cc-name", "cc-given-name", "cc-additional-name", "cc-family-name",
    "cc-number", "cc-exp", "cc-exp-month", "cc-exp-year", "cc-csc", "cc-type", "language", "bday", "bday-day",
    "bday-month", "bday-year", "sex", "url", "photo", "tel", "tel-country-code", "tel-national", "email", "impp",
})

# Words people (and small models) use for a key, mapped to the canonical key.
ALIASES: dict[str, str] = {
    "full-name": "name", "fullname": "name", "my-name": "name", "first-name": "given-name", "firstname": "given-name",
    "forename": "given-name", "last-name": "family-name", "lastname": "family-name", "surname": "family-name",
    "middle-name": "additional-name", "e-mail": "email", "email-address": "email", "mail": "email",
    "phone": "tel", "phone-number": "tel", "telephone": "tel", "mobile": "tel", "mobile-number": "tel",
    "cell": "tel", "cell-phone": "tel", "address": "street-address", "street": "street-address",
    "home-address": "street-address", "city": "address-level2", "town": "address-level2",
    "hometown": "address-level2", "home-town": "address-level2", "location": "address-level2",
    "location-city": "address-level2", "current-city": "address-level2", "city-of-residence": "address-level2",
    "residence": "address-level2", "place-of-birth": "birthplace", "birth-place": "birthplace",
    "state": "address-level1", "region": "address-level1", "province": "address-level1", "zip": "postal-code",
    "zip-code": "postal-code", "zipcode": "postal-code", "postcode": "postal-code", "postal": "postal-code",
    "country": "country-name", "birthday": "bday", "birth-date": "bday", "birthdate": "bday",
    "date-of-birth": "bday", "dob": "bday", "company": "organization", "employer": "organization",
    "workplace": "organization", "org": "organization", "job-title": "organization-title",
    "job": "organization-title", "title": "organization-title", "occupation": "organization-title",
    "profession": "organization-title", "role": "organization-title", "position": "organization-title",
    "website": "url", "homepage": "url", "web-site": "url", "home-page": "url", "gender": "sex",
    "wife": "partner-name", "husband": "partner-name", "partner": "partner-name", "spouse": "partner-name",
    "girlfriend": "partner-name", "boyfriend": "partner-name", "wife-name": "partner-name",
    "husband-name": "partner-name", "spouse-name": "partner-name", "passport": "passport-number",
    "passport-no": "passport-number", "iban-number": "iban", "credit-card": "cc-number",
    "credit-card-number": "cc-number", "card-number": "cc-number", "social-security-number": "ssn",
    "favourite-food": "favorite-food", "favourite-color": "favorite-color", "favourite-colour": "favorite-color",
    "favorite-colour": "favorite-color", "native-language": "language", "mother-tongue": "language",
}

# Keys whose values are encrypted at rest, masked in lists, and kept out of prompts.
SENSITIVE_KEYS: frozenset[str] = frozenset({
    "cc-number", "cc-csc", "cc-exp", "cc-exp-month", "cc-exp-year", "iban", "bic", "bank-account",
    "bank-account-number", "passport-number", "id-number", "id-card-number", "national-id", "ssn",
    "tax-id", "tax-number", "driver-license", "driving-licence-number", "health-insurance-number",
    "blood-type", "medical-condition", "medication", "diagnosis", "disability", "allergy", "allergies",
})
_SENSITIVE_WORDS = re.compile(
    r"(passport|ssn|social-security|iban|bank|card-number|cc-|account-number|national-id|id-number|tax-id|"
    r"licen[cs]e-number|health|medical|medication|diagnos|illness|disease|condition|password|pin-code|insurance-number)")

_SLUG_RE = re.compile(r"[^a-z0-9]+")


def normalize_key(key: str) -> str:
    """Canonical kebab-case key: an autocomplete token where one fits, else a free key."""
    text = unicodedata.normalize("NFKD", str(key)).encode("ascii", "ignore").decode().lower()
    slug = _SLUG_RE.sub("-", text).strip("-")
    if slug.startswith("my-"):
        slug = slug[3:]
    slug = ALIASES.get(slug, slug)
    return slug[:64]


def is_valid_key(key: str) -> bool:
    return bool(key) and len(key) <= 64 and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key) is not None


def is_sensitive(key: str, value: str = "") -> bool:
    """Whether a fact must be encrypted: by its key, or because its value looks like a card or IBAN."""
    if key in SENSITIVE_KEYS or _SENSITIVE_WORDS.search(key):
        return True
    return bool(value) and (looks_like_card(value) or looks_like_iban(value))


def mask(value: str) -> str:
    """``•••• 1234``: the last four digits where the value ends in digits, else ``••••``."""
    tail = re.sub(r"[^0-9A-Za-z]", "", value)[-4:]
    if len(re.sub(r"[^0-9A-Za-z]", "", value)) >= 8 and tail.isdigit():
        return f"•••• {tail}"
    return "••••"


def normalize_value(key: str, value: str) -> str:
    """A comparison form of a value: case, spacing and punctuation folded; phones as digits."""
    v = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    if key in ("tel", "tel-national") or key.endswith("-phone"):
        digits = re.sub(r"\D", "", v)
        return digits[-9:] if len(digits) >= 9 else digits
    if key == "url":
        v = re.sub(r"^[a-z]+://", "", v)
        v = re.sub(r"^www\.", "", v).rstrip("/")
        return v
    if key == "email":
        return v.strip(" .<>")
    if key in ("cc-number", "iban") or key.endswith("-number") or key in ("ssn", "postal-code"):
        return re.sub(r"[^0-9a-z]", "", v)
    if key == "bday" or key.endswith("-date"):
        return parse_date(v) or re.sub(r"\s+", " ", v)
    v = re.sub(r"[\s,;.]+", " ", v).strip()
    return v


# How a key reads in the prompt ("- first name: Ada") and, capitalised, in the window ("First name").
LABELS: dict[str, str] = {
    "name": "full name", "given-name": "first name", "family-name": "last name", "additional-name": "middle name",
    "honorific-prefix": "title", "nickname": "nickname", "email": "e-mail", "tel": "phone",
    "street-address": "street address", "address-line1": "address line 1", "address-line2": "address line 2",
    "address-level1": "state/region", "address-level2": "city", "postal-code": "postal code",
    "country-name": "country", "country": "country code", "bday": "birthday", "organization": "employer",
    "organization-title": "job title", "url": "website", "sex": "gender", "language": "language",
    "iban": "IBAN", "ssn": "social security number", "cc-number": "card number",
    "passport-number": "passport number",
}


def label(key: str) -> str:
    """How ``key`` reads in a sentence: "first name", "e-mail", "favorite food"."""
    return LABELS.get(key, key.replace("-", " ").replace("_", " "))


def title(key: str) -> str:
    """How ``key`` reads as a heading in the window: "First name", "IBAN", "Favorite food"."""
    text = label(key)
    return text[:1].upper() + text[1:]
