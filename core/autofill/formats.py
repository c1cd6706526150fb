"""Values written in the form's own conventions: the date format a label asks for, phones per country.

A German form says ``TT.MM.JJJJ``, a French one ``JJ/MM/AAAA``, an Italian one ``gg/mm/aaaa``, a
Swedish one ``ÅÅÅÅ-MM-DD``; ``type=date`` takes ISO. A phone is offered in the formats
``phonenumbers`` knows, the one the field's placeholder shows first, so that ``maxlength`` and
``pattern`` can pick one that fits. The user's country (``user_region``) comes from the profile.
"""
from __future__ import annotations

import re
from datetime import date

from core.autofill.countries import country_code
from core.persona.regions import region_from_contacts
from core.labels.lexicon import fold
from core.autofill.model import FormField

_DAY = {"dd", "tt", "gg", "jj", "d", "t", "g", "j"}
_YEAR2 = {"yy", "aa", "jj"}
_YEAR4 = {"yyyy", "jjjj", "aaaa"}
_HINT = re.compile(r"(?<![a-z])([dtjgmya]{1,4})([./ -])([dtjgmya]{1,4})\2([dtjgmya]{1,4})(?![a-z])")
_EXAMPLE_DMY = re.compile(r"(?<!\d)(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?!\d)")
_EXAMPLE_ISO = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")


def _order(tokens: list[str]) -> list[str] | None:
    """["tt", "mm", "jjjj"] → ["d", "m", "Y"]; None when the tokens are not a date format."""
    if tokens.count("mm") + tokens.count("m") != 1:
        return None
    mi = tokens.index("mm") if "mm" in tokens else tokens.index("m")
    rest = [i for i in range(3) if i != mi]
    a, b = (tokens[i] for i in rest)
    out = ["", "", ""]
    out[mi] = "m"
    if a in _YEAR4 or b in _YEAR4:
        yi = rest[0] if a in _YEAR4 else rest[1]
        di = rest[1] if yi == rest[0] else rest[0]
        if tokens[di] not in _DAY:
            return None
        out[yi], out[di] = "Y", "d"
        return out
    # two-letter years: "TT.MM.JJ" (German jj = Jahr), "JJ/MM/AA" (French jj = jour)
    for yi, di in ((rest[1], rest[0]), (rest[0], rest[1])):
        if tokens[yi] in _YEAR2 and tokens[di] in _DAY and tokens[di] != tokens[yi]:
            out[yi], out[di] = "y", "d"
            return out
    return None


def date_format(field: FormField) -> tuple[list[str], str] | None:
    """The order (d, m, Y or y) and separator the field's text asks for, or None when it says nothing."""
    hint = " ".join(fold(t) for t in (field.placeholder, field.label, field.aria_label, field.html_name) if t)
    for m in _HINT.finditer(hint):
        order = _order([m[1], m[3], m[4]])
        if order is not None:
            return order, m[2]
    if _EXAMPLE_ISO.search(hint):
        return ["Y", "m", "d"], "-"
    ex = _EXAMPLE_DMY.search(hint)
    if ex:
        return ["d", "m", "Y"] if int(ex[1]) > 12 or int(ex[3]) <= 12 else ["m", "d", "Y"], ex[2]
    return None


def format_date(d: date, field: FormField, default: tuple[list[str], str] | None = None) -> str:
    """``d`` as the field wants it: ISO for ``type=date``, else the format its text shows, else ``default``."""
    if field.kind == "date":
        return d.isoformat()
    fmt = date_format(field) or default
    if fmt is None:
        return d.isoformat()
    order, sep = fmt
    parts = {"d": f"{d.day:02d}", "m": f"{d.month:02d}", "Y": f"{d.year:04d}", "y": f"{d.year % 100:02d}"}
    return sep.join(parts[o] for o in order)


# The date format people of a language write when the form does not say (no hint, not type=date).
DATE_CONVENTIONS: dict[str, tuple[list[str], str]] = {
    "de": (["d", "m", "Y"], "."), "fr": (["d", "m", "Y"], "/"), "es": (["d", "m", "Y"], "/"),
    "it": (["d", "m", "Y"], "/"), "nl": (["d", "m", "Y"], "-"), "sv": (["Y", "m", "d"], "-"),
}


def phone_candidates(value: str, field: FormField, region: str) -> list[str]:
    """``value`` in the formats a phone field may want, the one its placeholder shows first; [value] if unparsable."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat as F

    try:
        n = phonenumbers.parse(value, region.upper() or None)
    except phonenumbers.NumberParseException:
        return [value]
    if not phonenumbers.is_possible_number(n):
        return [value]
    intl = phonenumbers.format_number(n, F.INTERNATIONAL)
    e164 = phonenumbers.format_number(n, F.E164)
    national = phonenumbers.format_number(n, F.NATIONAL)
    digits = re.sub(r"\D", "", national)
    example = (field.placeholder or "").strip()
    own_country = phonenumbers.region_code_for_number(n) == region.upper() if region else False
    if example.startswith("0") and own_country:
        order = [national, digits, intl, e164]
    elif example.startswith("+") and " " not in example:
        order = [e164, intl, national, digits]
    else:
        order = [intl, e164, national, digits]
    return list(dict.fromkeys(order))


def user_region(values: dict[str, str]) -> str:
    """The user's country as ISO alpha-2: the profile's country, else the country code of their phone, else the one
    country where their postal code and national phone number both fit; "" if unknown."""
    for key in ("country", "country-name"):
        code = country_code(values.get(key, ""))
        if code:
            return code
    tel = values.get("tel", "").strip()
    if tel.startswith("+") or tel.startswith("00"):
        import phonenumbers

        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(tel, None))
        except phonenumbers.NumberParseException:
            return ""
        return region if region and region != "ZZ" else ""
    # a national number beside a postal code: the one country where both fit ("070-312 45 86", "753 32")
    return region_from_contacts(values.get("postal-code", ""), tel) or ""
