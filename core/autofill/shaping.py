"""One value made ready for one field: written in the field's conventions, then checked, or refused with why.

Both ways a value reaches a field (a profile fact, or a value read from a document or memory)
go through ``shape_value``: a select or radio gets one of its own options or nothing; a date
is written as the field asks; a phone is tried in the formats that may fit; whatever comes
out must pass ``validate.problem`` (type, word count, ``maxlength``, ``pattern``).
"""
from __future__ import annotations

from core.autofill.formats import DATE_CONVENTIONS, format_date, phone_candidates
from core.autofill.model import FormField
from core.autofill.validate import CHOICE_KINDS, problem, wanted_type
from core.autofill.values import choose_option, parse_date


def shape_value(value: str, field: FormField, key: str, region: str = "", source: str = "fact",
                language: str = "") -> tuple[str, str]:
    """(the value to propose, "") or ("", why not). ``language`` is the form's, for dates it gives no format for."""
    value = value.strip()
    if field.kind in CHOICE_KINDS and field.options:
        opt = choose_option(value, field.options, key)
        if opt is None:
            return "", f"no option fits '{value}'"
        return opt.value, ""
    wanted = wanted_type(field, key)
    candidates = [value]
    if wanted == "date" or key == "bday":
        d = parse_date(value)
        if d is not None:
            candidates = [format_date(d, field, DATE_CONVENTIONS.get(language))]
    elif wanted == "tel":
        candidates = phone_candidates(value, field, region)
    first = ""
    for c in candidates:
        why = problem(c, field, key, region, source)
        if not why:
            return c, ""
        first = first or why
    return "", first
