"""From facts to the value a field wants: derived and compound keys, parsing dates, and choosing an option.

A form may ask for a full name when the profile holds given and family names, for the
birth year when it holds the birthday, or offer countries as ISO codes; these rules
bridge that. A select or radio group only ever gets one of its own options.
"""
from __future__ import annotations

import re
from datetime import date
from core.autofill.countries import country_code, country_names, language_code, language_names
from core.labels.lexicon import normalize
from core.autofill.model import Option
from core.persona.diet import DIET_NAMES, KEY as DIET_KEY
from core.persona.rules import UNIT_WORDS

# ---- dates --------------------------------------------------------------------------------
_MONTHS = {  # EN, DE, FR, ES, IT, NL, SV (folded)
    1: ["january", "jan", "januar", "janvier", "enero", "gennaio", "januari"],
    2: ["february", "feb", "februar", "fevrier", "febrero", "febbraio", "februari"],
    3: ["march", "mar", "marz", "mars", "marzo", "maart"], 4: ["april", "apr", "avril", "abril", "aprile"],
    5: ["may", "mai", "mayo", "maggio", "mei", "maj"], 6: ["june", "jun", "juni", "juin", "junio", "giugno"],
    7: ["july", "jul", "juli", "juillet", "julio", "luglio"],
    8: ["august", "aug", "aout", "agosto", "augustus", "augusti"],
    9: ["september", "sep", "sept", "septembre", "septiembre", "settembre"],
    10: ["october", "oct", "oktober", "octobre", "octubre", "ottobre", "okt"],
    11: ["november", "nov", "novembre", "noviembre"],
    12: ["december", "dec", "dezember", "decembre", "diciembre", "dicembre", "dez"],
}
_MONTH_OF = {name: m for m, names in _MONTHS.items() for name in names}


def month_number(text: str) -> int | None:
    """1-12 for a month written as a number or a name (or its usual abbreviation) in the seven languages."""
    t = normalize(text).rstrip(".")
    if t.isdigit():
        return int(t) if 1 <= int(t) <= 12 else None
    return _MONTH_OF.get(t)


def parse_date(text: str) -> date | None:
    """ISO, D.M.Y, D/M/Y (day first unless impossible), or '14 March 1985' / 'March 14, 1985'."""
    t = normalize(text)
    m = re.fullmatch(r"(\d{4}) (\d{1,2}) (\d{1,2})", t)
    try:
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2}) (\d{1,2}) (\d{4})", t)
        if m:
            a, b, y = int(m[1]), int(m[2]), int(m[3])
            return date(y, a, b) if b > 12 >= a else date(y, b, a)
        m = re.fullmatch(r"(\d{1,2}) (?:de )?([a-z]+) (?:de )?(\d{4})", t)
        if m and m[2] in _MONTH_OF:
            return date(int(m[3]), _MONTH_OF[m[2]], int(m[1]))
        m = re.fullmatch(r"([a-z]+) (\d{1,2}) (\d{4})", t)
        if m and m[1] in _MONTH_OF:
            return date(int(m[3]), _MONTH_OF[m[1]], int(m[2]))
    except ValueError:
        return None
    return None


# ---- derived keys -------------------------------------------------------------------------
def derive(key: str, facts: dict[str, str]) -> tuple[str, str] | None:
    """(value, the fact key it came from) for ``key``, directly or derived; None when not known.

    A compound key ("postal-code+address-level2", from a label such as "PLZ / Ort") joins its parts.
    """
    if "+" in key:
        got = [derive(k, facts) for k in key.split("+")]
        found = [g for g in got if g is not None]
        if len(found) < len(got):
            return None
        sep = ", " if key == "family-name+given-name" else " "
        return sep.join(v for v, _ in found), found[0][1]
    if facts.get(key):
        return facts[key], key
    if key == "name" and facts.get("given-name") and facts.get("family-name"):
        parts = [facts["given-name"], facts.get("additional-name", ""), facts["family-name"]]
        return " ".join(p for p in parts if p), "given-name"
    if key in ("given-name", "family-name") and facts.get("name"):
        parts = facts["name"].split()
        if len(parts) >= 2:
            return (parts[0] if key == "given-name" else parts[-1]), "name"
    if key in ("address-line1", "address-line2") and facts.get("street-address"):
        lines = [x.strip() for x in re.split(r"[\n]", facts["street-address"]) if x.strip()]
        i = 0 if key == "address-line1" else 1
        return (lines[i], "street-address") if len(lines) > i else None
    if key == "street-address" and facts.get("address-line1"):
        return " ".join(x for x in (facts["address-line1"], facts.get("address-line2", "")) if x), "address-line1"
    if key in ("street-name", "house-number") and facts.get("street-address"):
        split = split_street(facts["street-address"])
        if split is None:
            return None
        return (split[0] if key == "street-name" else split[1]), "street-address"
    if key in ("bday-day", "bday-month", "bday-year") and facts.get("bday"):
        d = parse_date(facts["bday"])
        if d is None:
            return None
        return str({"bday-day": d.day, "bday-month": d.month, "bday-year": d.year}[key]), "bday"
    if key == "country" and facts.get("country-name"):
        code = country_code(facts["country-name"])
        return (code, "country-name") if code else None
    if key == "country-name" and facts.get("country"):
        return facts["country"], "country"
    return None


_UNIT_AFTER = re.compile(rf"(?:(?<=\d)|(?<=\d[a-zA-Z]))[,\s]+(?:{UNIT_WORDS}|\d{{1,2}}\.\s?(?:og|stock|etage))\b\.?"
                         r"\s?[\w.º°ª-]*.*$|(?<=\d)/\d{1,3}/\d{1,4}$", re.I)   # Austria's "48/2/7": house 48, staircase 2, door 7


def split_street(address: str) -> tuple[str, str] | None:
    """("Wiesentalstraße", "8") from "Wiesentalstraße 8"; ("rue des Capucins", "14") from "14 rue des Capucins"."""
    line = address.strip().splitlines()[0].strip() if address.strip() else ""
    if not line[:1].isdigit():   # "Svartbäcksgatan 38 lgh 1203", "Hauptstr. 5, 3. OG": the flat is no house number
        line = _UNIT_AFTER.sub("", line)
    # the number first, the flat at the end ("2418 W Cortland St, Apt 4B", "10 Downing St #5"): no part of the street
    line = re.sub(rf"(?i)^(\d.*?)[,\s]+(?:(?:{UNIT_WORDS})\.?\s?#?|#)(?:(?=[\w-]*\d)[\w-]{{1,6}}|[A-Z])$", r"\1", line)
    # "Calle de Sueca, 41, 3.º, pta. 8" / "Via Saragozza, 58": the number after the street's name, the unit after it
    m = re.fullmatch(r"([^\d,]*[^\W\d][^\d,]*),\s*(\d{1,5}\s?[a-zA-Z]?(?:[-/]\d+[a-zA-Z]?)?)(?:,.*)?", line)
    if m:
        return m[1].strip(" ,"), m[2]
    m = re.fullmatch(r"(.*\D)\s+(\d+\s?[a-zA-Z]?(?:[-/]\d+[a-zA-Z]?)?)", line)
    if m:
        return m[1].strip(" ,"), m[2]
    # "2418 W Cortland St, Apt 4B", "27B Baker Street": the number first; a letter written apart is the street's
    # direction ("W"), not part of the number
    m = re.fullmatch(r"(\d+[a-zA-Z]?(?:[-/]\d+)?)(?:,|\s)\s*(\D.*)", line)
    if m:
        return m[2].strip(" ,"), m[1]
    return None


# ---- options --------------------------------------------------------------------------------
_GENDER_GROUPS: list[set[str]] = [
    {"m", "male", "man", "mann", "mannlich", "homme", "masculin", "hombre", "masculino", "h", "herr", "mr",
     "maschio", "uomo", "signor", "signore", "sig", "mannelijk", "heer", "de heer", "dhr", "manlig", "male gender"},
    {"f", "female", "woman", "frau", "weiblich", "femme", "feminin", "mujer", "femenino", "w", "mrs", "ms", "mme",
     "madame", "sra", "senora", "femmina", "donna", "signora", "sig ra", "vrouw", "vrouwelijk", "mevrouw", "mevr",
     "kvinna", "kvinnlig", "fru"},
    {"d", "diverse", "divers", "non binary", "nonbinary", "other", "x", "autre", "otro", "altro", "anders", "annat"},
]
_MONTH_GROUPS: list[set[str]] = [{str(m), f"{m:02d}", *names} for m, names in _MONTHS.items()]
_COUNTRY_KEYS = {"country", "country-name", "nationality"}
_DIET_GROUPS: list[set[str]] = [{diet, *names} for diet, names in DIET_NAMES.items()]


def _aliases(text: str, key: str = "") -> set[str]:
    """``text`` and every folded name that means the same, for a field matched to ``key``."""
    n = normalize(text)
    out = {n}
    if key in _COUNTRY_KEYS or not key:
        code = country_code(text)
        if code:
            out |= country_names(code)
    if key == "language" or not key:
        code = language_code(text)
        if code:
            out |= language_names(code)
    groups = _GENDER_GROUPS if key in ("sex", "honorific-prefix") else _MONTH_GROUPS if key == "bday-month" else \
        _DIET_GROUPS if key == DIET_KEY else ([] if key else _GENDER_GROUPS + _MONTH_GROUPS)
    for g in groups:
        if n in g:
            out |= g
    return out


_PLACEHOLDER_OPTIONS = {"", "bitte wahlen", "please select", "select", "choisir", "seleccione", "choose", "select one",
                        "veuillez choisir", "selectionnez", "seleziona", "scegli", "kies", "selecteer", "maak een keuze",
                        "valj", "valj ett alternativ", "auswahlen", "bitte auswahlen", "elija", "selecciona"}


def choose_option(value: str, options: list[Option], key: str = "") -> Option | None:
    """The one option that means ``value`` (for a field matched to ``key``), or None. Never one that only looks close."""
    real = [o for o in options if (o.value or o.label).strip() and normalize(o.label or o.value).strip("- ")
            not in _PLACEHOLDER_OPTIONS]
    if not real:
        return None
    v = normalize(value)
    for o in real:  # exact
        if v in (normalize(o.value), normalize(o.label)):
            return o
    if v.isdigit():
        for o in real:
            for t in (o.value, o.label):
                if normalize(t).isdigit() and int(normalize(t)) == int(v):
                    return o
    al = _aliases(value, key)
    hits = [o for o in real if _aliases(o.value, key) & al or _aliases(o.label, key) & al]
    if len(hits) == 1:
        return hits[0]
    # An option label that contains the value as whole words (e.g. "Berlin (DE)"), only if unique.
    vw = v.split()
    contain = [o for o in real if vw and _has_words(normalize(o.label), vw)]
    if len(contain) == 1:
        return contain[0]
    return None


def _has_words(text: str, words: list[str]) -> bool:
    t = text.split()
    n = len(words)
    return any(t[i:i + n] == words for i in range(len(t) - n + 1))
