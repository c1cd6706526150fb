"""From facts to the value a field wants: derived keys, date formats, and choosing an option.

A form may ask for a full name when the profile holds given and family names, for the
birth year when it holds the birthday, or offer countries as ISO codes; these rules
bridge that. A select or radio group only ever gets one of its own options.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Callable

from core.autofill.lexicon import normalize
from core.autofill.model import FormField, Option

# ---- dates --------------------------------------------------------------------------------
_MONTHS = {
    1: ["january", "jan", "januar", "janvier", "enero"], 2: ["february", "feb", "februar", "fevrier", "febrero"],
    3: ["march", "mar", "marz", "mars", "marzo"], 4: ["april", "apr", "avril", "abril"],
    5: ["may", "mai", "mayo"], 6: ["june", "jun", "juni", "juin", "junio"],
    7: ["july", "jul", "juli", "juillet", "julio"], 8: ["august", "aug", "aout", "agosto"],
    9: ["september", "sep", "sept", "septembre", "septiembre"], 10: ["october", "oct", "oktober", "octobre", "octubre"],
    11: ["november", "nov", "novembre", "noviembre"], 12: ["december", "dec", "dezember", "decembre", "diciembre", "dez"],
}
_MONTH_OF = {name: m for m, names in _MONTHS.items() for name in names}


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


_PATTERNS = [  # (regex over the field's hint text, strftime format)
    (r"\b(dd|tt|jj)[./-](mm)[./-](yyyy|jjjj|aaaa)\b", "{d:02d}{s}{m:02d}{s}{y:04d}"),
    (r"\b(mm)[./-](dd|tt|jj)[./-](yyyy|jjjj|aaaa)\b", "{m:02d}{s}{d:02d}{s}{y:04d}"),
    (r"\b(yyyy|jjjj|aaaa)[./-](mm)[./-](dd|tt|jj)\b", "{y:04d}{s}{m:02d}{s}{d:02d}"),
]


def format_date(d: date, field: FormField) -> str:
    if field.kind == "date":
        return d.isoformat()
    hint = " ".join([field.placeholder, field.label, field.aria_label]).lower()
    for pattern, fmt in _PATTERNS:
        m = re.search(pattern, hint)
        if m:
            sep = re.search(r"[./-]", m.group(0)).group(0)  # type: ignore[union-attr]
            return fmt.format(d=d.day, m=d.month, y=d.year, s=sep)
    return d.isoformat()


# ---- derived keys -------------------------------------------------------------------------
def derive(key: str, facts: dict[str, str]) -> tuple[str, str] | None:
    """(value, the fact key it came from) for ``key``, directly or derived; None when not known."""
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


# ---- options --------------------------------------------------------------------------------
_COUNTRIES = [  # ISO2, ISO3, names in EN/DE/FR/ES (folded)
    ("DE", "DEU", "germany", "deutschland", "allemagne", "alemania"),
    ("AT", "AUT", "austria", "osterreich", "autriche"),
    ("CH", "CHE", "switzerland", "schweiz", "suisse", "suiza"),
    ("FR", "FRA", "france", "frankreich", "francia"),
    ("ES", "ESP", "spain", "spanien", "espagne", "espana"),
    ("IT", "ITA", "italy", "italien", "italie", "italia"),
    ("NL", "NLD", "netherlands", "niederlande", "pays bas", "paises bajos", "holland"),
    ("BE", "BEL", "belgium", "belgien", "belgique", "belgica"),
    ("GB", "GBR", "united kingdom", "uk", "great britain", "grossbritannien", "vereinigtes konigreich", "royaume uni", "reino unido"),
    ("US", "USA", "united states", "united states of america", "vereinigte staaten", "etats unis", "estados unidos"),
    ("CA", "CAN", "canada", "kanada"),
    ("MX", "MEX", "mexico", "mexiko", "mexique"),
    ("AR", "ARG", "argentina", "argentinien", "argentine"),
    ("PT", "PRT", "portugal"),
    ("PL", "POL", "poland", "polen", "pologne", "polonia"),
    ("IE", "IRL", "ireland", "irland", "irlande", "irlanda"),
    ("SE", "SWE", "sweden", "schweden", "suede", "suecia"),
    ("DK", "DNK", "denmark", "danemark", "dinamarca"),
    ("NO", "NOR", "norway", "norwegen", "norvege", "noruega"),
    ("LU", "LUX", "luxembourg", "luxemburg", "luxemburgo"),
    ("JP", "JPN", "japan", "japon"),
    ("CN", "CHN", "china", "chine"),
    ("IN", "IND", "india", "indien", "inde"),
    ("BR", "BRA", "brazil", "brasilien", "bresil", "brasil"),
    ("AU", "AUS", "australia", "australien", "australie"),
]
_ALIAS_GROUPS: list[set[str]] = [set(normalize(x) for x in c) for c in _COUNTRIES] + [
    {"m", "male", "man", "mann", "mannlich", "homme", "masculin", "hombre", "masculino", "h", "herr", "mr"},
    {"f", "female", "woman", "frau", "weiblich", "femme", "feminin", "mujer", "femenino", "w", "mrs", "ms", "mme", "sra"},
    {"d", "diverse", "divers", "non binary", "nonbinary", "other", "x", "autre", "otro"},
    {"en", "english", "englisch", "anglais", "ingles"}, {"de", "german", "deutsch", "allemand", "aleman"},
    {"fr", "french", "franzosisch", "francais", "frances"}, {"es", "spanish", "spanisch", "espagnol", "espanol", "castellano"},
]
for _m, _names in _MONTHS.items():
    _ALIAS_GROUPS.append({str(_m), f"{_m:02d}", *_names})


def country_code(name: str) -> str:
    n = normalize(name)
    for c in _COUNTRIES:
        if n in {normalize(x) for x in c}:
            return c[0]
    return ""


def _aliases(text: str) -> set[str]:
    n = normalize(text)
    out = {n}
    for g in _ALIAS_GROUPS:
        if n in g:
            out |= g
    return out


def choose_option(value: str, options: list[Option], similar: Callable[[str, list[str]], list[float]] | None = None) -> Option | None:
    """The one option that means ``value``, or None. Never an option that only looks close."""
    real = [o for o in options if (o.value or o.label).strip() and normalize(o.label or o.value) not in ("", "bitte wahlen", "please select", "select", "choisir", "seleccione", "choose")]
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
    al = _aliases(value)
    hits = [o for o in real if _aliases(o.value) & al or _aliases(o.label) & al]
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
