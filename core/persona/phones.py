"""Phone numbers through ``phonenumbers``: E.164 is what a fact keeps, the national format what the user sees.

A number written without its country code needs a region: the owner's country, the country of their
e-mail domain, or a country named in the same text (``region_hint``).
"""
from __future__ import annotations


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
