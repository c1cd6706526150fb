"""Countries and languages by name in the languages forms are written in (CLDR data through babel).

A profile says "United Kingdom", a form's select offers "GB", "Royaume-Uni" or "Storbritannien":
all of them are one ISO 3166 code here. Languages work the same way ("Deutsch", "German", "de").
Lookups are folded like labels (case, accents and punctuation do not count).
"""
from __future__ import annotations

from functools import lru_cache

from core.labels.lexicon import normalize

# The languages whose names are recognised (the lexicon's languages, and a few neighbours).
LOCALES = ("en", "de", "fr", "es", "it", "nl", "sv", "pt", "da", "nb", "pl")

# Names people write that CLDR does not list as the country's name.
_EXTRA_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "GB": ("UK", "U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland",
           "Grossbritannien", "Grande-Bretagne", "Gran Bretaña", "Gran Bretagna", "Groot-Brittannië",
           "Großbritannien", "GBR"),
    "US": ("USA", "U.S.A.", "U.S.", "United States of America", "America", "Amerika"),
    "NL": ("Holland", "NLD"), "DE": ("DEU", "BRD"), "FR": ("FRA",), "ES": ("ESP",), "IT": ("ITA",),
    "SE": ("SWE",), "CH": ("CHE", "Schweiz", "Suisse", "Svizzera"), "AT": ("AUT",), "BE": ("BEL",),
    "IE": ("IRL", "Éire", "Eire"), "PT": ("PRT",), "PL": ("POL",), "DK": ("DNK",), "NO": ("NOR",),
    "FI": ("FIN",), "LU": ("LUX",), "CA": ("CAN",), "AU": ("AUS",),
}


@lru_cache(maxsize=1)
def _country_table() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """(folded name → code, code → every folded name) for every two-letter territory."""
    from babel import Locale

    by_name: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    for loc in LOCALES:
        for code, name in Locale.parse(loc).territories.items():
            if len(code) != 2 or not code.isalpha():
                continue  # regions such as "150" (Europe)
            names.setdefault(code, {normalize(code)}).add(normalize(name))
    for code, extra in _EXTRA_COUNTRY_NAMES.items():
        names.setdefault(code, {normalize(code)}).update(normalize(x) for x in extra)
    for code, ns in names.items():
        for n in ns:
            by_name.setdefault(n, code)
    return by_name, {c: frozenset(ns) for c, ns in names.items()}


def country_code(text: str) -> str:
    """The ISO 3166-1 alpha-2 code ``text`` names ("Suède" → "SE"), or ""."""
    return _country_table()[0].get(normalize(text), "")


def country_names(code: str) -> frozenset[str]:
    """Every folded name of the country ``code`` (its code included); empty for an unknown code."""
    return _country_table()[1].get(code.upper(), frozenset())


_MORE_OWN_NAMES = ("fi", "cs", "hu", "ro", "el", "tr", "ru", "uk", "ja", "zh", "ar", "ca", "eu", "gl", "ga", "is")


@lru_cache(maxsize=1)
def _language_table() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    from babel import Locale, UnknownLocaleError

    names: dict[str, set[str]] = {}
    for loc in LOCALES:
        for code, name in Locale.parse(loc).languages.items():
            if "_" in code or len(code) != 2:
                continue
            names.setdefault(code, {code}).add(normalize(name))
    for code in (*LOCALES, *_MORE_OWN_NAMES):  # the language's name in itself: "Deutsch", "français", "svenska"
        if code not in names:
            continue
        try:
            own = Locale.parse(code).get_display_name(code)
        except (ValueError, LookupError, UnknownLocaleError):
            continue
        if own:
            names[code].add(normalize(own))
    names.setdefault("es", {"es"}).add("castellano")
    by_name: dict[str, str] = {}
    for code, ns in names.items():
        for n in ns:
            by_name.setdefault(n, code)
    return by_name, {c: frozenset(ns) for c, ns in names.items()}


def language_code(text: str) -> str:
    """The ISO 639-1 code ``text`` names ("Schwedisch" → "sv"), or ""."""
    return _language_table()[0].get(normalize(text), "")


def language_names(code: str) -> frozenset[str]:
    return _language_table()[1].get(code.lower(), frozenset())
