"""Where the owner lives, as a region code (ISO 3166-1 alpha-2): a country named in the profile or a text, the
country of their e-mail domain, or the one country where both their postal code has its shape and their
national phone number is valid (``070-312 45 86`` beside ``753 32 Uppsala`` is Swedish)."""
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

# Postal codes by country (ISO 3166-1 alpha-2), upper-cased value, one optional space where people write one.
POSTAL_CODES: dict[str, str] = {
    "DE": r"\d{5}", "FR": r"\d{5}", "ES": r"\d{5}", "IT": r"\d{5}", "FI": r"\d{5}", "US": r"\d{5}(?:-\d{4})?",
    "AT": r"\d{4}", "CH": r"\d{4}", "BE": r"\d{4}", "LU": r"(?:L-)?\d{4}", "DK": r"\d{4}", "NO": r"\d{4}",
    "NL": r"\d{4} ?[A-Z]{2}", "SE": r"\d{3} ?\d{2}", "PT": r"\d{4}-\d{3}", "PL": r"\d{2}-\d{3}",
    "GB": r"(?:GIR 0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})", "IE": r"[A-Z]\d[\dW] ?[A-Z\d]{4}",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d", "AU": r"\d{4}",
}


# The codes of states, provinces and territories that an address writes before its postal code ("Chicago, IL 60647").
STATE_REGIONS: dict[str, frozenset[str]] = {
    "US": frozenset("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
                    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()),
    "CA": frozenset("AB BC MB NB NL NS NT NU ON PE QC SK YT".split()),
    "AU": frozenset("NSW VIC QLD WA SA TAS ACT NT".split()),
}


def region_from_state(state: str, postal_code: str) -> str | None:
    """The country whose state or province ``state`` is, where ``postal_code`` has that country's shape."""
    fits = [r for r, codes in STATE_REGIONS.items() if state.strip().upper() in codes and postal_fits(postal_code, r)]
    return fits[0] if len(fits) == 1 else None


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


def region_from_contacts(postal_code: str, tel: str) -> str | None:
    """The one region where ``postal_code`` has the country's shape and ``tel`` (written without a country
    code) is a valid number, else None (none or several fit)."""
    import phonenumbers

    code = " ".join(postal_code.upper().split())
    if not code or not tel.strip() or tel.strip().startswith(("+", "00")):
        return None
    shaped = [region for region, shape in POSTAL_CODES.items() if re.fullmatch(shape, code)]
    fits = []
    for region in shaped:
        try:
            num = phonenumbers.parse(tel, region)
        except phonenumbers.NumberParseException:
            continue
        # a postal code of one country's shape alone ("M21 9EG") needs a number of that country's length only
        if phonenumbers.is_valid_number(num) or (len(shaped) == 1 and phonenumbers.is_possible_number(num)):
            fits.append(region)
    return fits[0] if len(fits) == 1 else None


def postal_fits(postal_code: str, region: str) -> bool:
    """Whether ``postal_code`` has the shape of ``region``'s postal codes."""
    shape = POSTAL_CODES.get(region.upper())
    return bool(shape and re.fullmatch(shape, " ".join(postal_code.upper().split())))
