"""Phone numbers through ``phonenumbers``: E.164 is what a fact keeps, the national format what the user sees.

A number written without its country code needs a region: the owner's country, the country of their
e-mail domain, or a country named in the same text (``region_hint``).
"""
from __future__ import annotations

import re

COUNTRY_REGIONS = {
    "germany": "DE", "deutschland": "DE", "austria": "AT", "österreich": "AT", "switzerland": "CH", "schweiz": "CH",
    "suisse": "CH", "france": "FR", "spain": "ES", "españa": "ES", "espana": "ES", "sweden": "SE", "sverige": "SE",
    "united kingdom": "GB", "uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "ireland": "IE",
    "italy": "IT", "italia": "IT", "netherlands": "NL", "the netherlands": "NL", "nederland": "NL", "belgium": "BE",
    "belgique": "BE", "poland": "PL", "polska": "PL", "portugal": "PT", "denmark": "DK", "danmark": "DK",
    "norway": "NO", "norge": "NO", "finland": "FI", "suomi": "FI", "united states": "US", "usa": "US", "us": "US",
    "united states of america": "US", "canada": "CA", "mexico": "MX", "méxico": "MX", "australia": "AU",
    "new zealand": "NZ", "czech republic": "CZ", "czechia": "CZ", "luxembourg": "LU", "argentina": "AR",
    "chile": "CL", "colombia": "CO", "peru": "PE", "perú": "PE", "india": "IN", "japan": "JP", "brazil": "BR",
}
TLD_REGIONS = {"de": "DE", "at": "AT", "ch": "CH", "fr": "FR", "es": "ES", "se": "SE", "uk": "GB", "ie": "IE",
               "it": "IT", "nl": "NL", "be": "BE", "pl": "PL", "pt": "PT", "dk": "DK", "no": "NO", "fi": "FI",
               "ca": "CA", "mx": "MX", "au": "AU", "nz": "NZ", "cz": "CZ", "lu": "LU"}


def phone_e164(value: str, region: str | None = None) -> str | None:
    """The number in E.164 (``+493415550123``) when ``phonenumbers`` finds it possible (with ``region`` for
    a national number), else None. Fictional 555 numbers are possible, so they pass."""
    import phonenumbers

    try:
        num = phonenumbers.parse(value, None if value.strip().startswith("+") else (region or None))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def phone_display(value: str, national: bool = True) -> str:
    """An E.164 number in national (``0341 5550123``) or international format; other values unchanged."""
    if not value.startswith("+"):
        return value
    import phonenumbers

    try:
        num = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if national else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(num, fmt)



def region_hint(*texts: str) -> str | None:
    """A region code from country names or e-mail top-level domains in ``texts`` (the first that fits)."""
    for t in texts:
        if not t:
            continue
        low = t.casefold()
        if low in COUNTRY_REGIONS:
            return COUNTRY_REGIONS[low]
        m = re.search(r"@[\w.-]+\.([a-z]{2})\b", low)
        if m and m.group(1) in TLD_REGIONS:
            return TLD_REGIONS[m.group(1)]
        for name, code in COUNTRY_REGIONS.items():
            if len(name) > 3 and re.search(rf"\b{re.escape(name)}\b", low):
                return code
    return None
