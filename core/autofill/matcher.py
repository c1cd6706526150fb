"""Which profile key a field asks for: autocomplete token, then synonyms, then input type, then embeddings.

Each rule returns a ``KeyMatch`` with a score used as the proposal's confidence. A field
that speaks of someone else (an emergency contact, a spouse) gets no synonym match.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from core.labels.lexicon import (FIELD_TOKENS, SYNONYMS, about_someone_else, contains_phrase, is_never_filled,
                                   normalize)
from core.autofill.model import FormField
from core.labels.synonyms_more import (ACCOUNT_HOLDER, ADDRESS_HEADS, APPLICANT, BARE_DATES, EMPLOYER_WORDS,
                                       EXACT_ONLY, IF_DIFFERENT, LEAVING_ADDRESS, NEVER_BY_LANGUAGE, NEW_ADDRESS,
                                       NUMBERED_NOT_PERSON, SECOND_ORDINALS, SIGNING_PLACE, THIRD_PERSON_FIRST, YES_NO)
from core.ports import EmbedderLoader, TextEmbedder
from core.store.embedding import embed_texts


_KIND_KEYS = {"email": "email", "tel": "tel", "url": "url"}
_IF_DIFFERENT = [normalize(p).split() for p in IF_DIFFERENT]
_LEAVING = [normalize(p).split() for p in LEAVING_ADDRESS]
_HOLDER = [normalize(p).split() for p in ACCOUNT_HOLDER]
_YES_NO = [normalize(p).split() for p in YES_NO]
_CHOICE_KINDS = {"select", "radio", "checkbox"}
# a signature's label in the seven languages ("firma" is left out: in German it is the company)
_SIGNATURE = [normalize(p).split() for p in ("signature", "unterschrift", "handtekening", "underskrift",
                                              "namnteckning", "signatur", "firma del", "firma dell")]
_NEW_ADDRESS = [normalize(p).split() for p in NEW_ADDRESS]
_APPLICANT = [normalize(p).split() for p in APPLICANT]
_NOT_THE_APPLICANT = {"co", "second", "joint", "mit", "zweiter", "zweite", "other", "weitere", "weiterer"}


def _applicants(section: str) -> bool:
    """The section is the applicant's own ("Erziehungsberechtigte/r 1 (Antragsteller/in)"), not a co-applicant's."""
    words = section.split()
    for phrase in _APPLICANT:
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if words[i:i + n] == phrase and not (i and words[i - 1] in _NOT_THE_APPLICANT) \
                    and not words[i].startswith(("co", "mit")) and (words[i + n:i + n + 1] or ["1"])[0] not in ("2", "3", "4") \
                    and not any(w.startswith(("med", "mit", "co")) and w.endswith(words[i]) for w in words):
                return True   # not "Sökande 2 (medsökande)", not "co-applicant"
    return False
def _names_at_end(name: str, key: str) -> bool:
    """A field's name says its key in its last words ("rl1_voie": the street), not in a prefix ("cp_num_permis")."""
    words = name.split()
    return any((m := synonym_match(" ".join(words[-k:]))) is not None and m.key == key and m.score >= 0.97
               for k in range(1, min(3, len(words)) + 1))


def _conditional(field: FormField) -> bool:
    """A text field asked only after a question ("Ook een gezinslid aanmelden? Naam gezinslid", "If yes, which
    language?"), or asking a yes/no question itself ("… mind. 8 Std.? (ja/nein)")."""
    for raw in (field.label, field.aria_label):
        q = raw.rfind("?") if raw else -1
        if (q >= 0 and len(raw[q + 1:].strip(" )(:")) >= 2) or (
                raw and any(contains_phrase(normalize(raw).split(), p) for p in _YES_NO)):
            return True
    return False


def _second_person(section: str) -> bool:
    """A section of a second person of the same role: "Zweite Kontoinhaberin", "Responsable légal 2"."""
    words = section.split()
    if any(w in SECOND_ORDINALS for w in words):
        return True
    return any(w in ("2", "3", "4") and i and words[i - 1].isalpha() and words[i - 1] not in NUMBERED_NOT_PERSON
               for i, w in enumerate(words))


_QUALIFIERS = {"shipping", "billing", "home", "work", "mobile", "pager", "webauthn"}


@dataclass
class KeyMatch:
    key: str
    how: str  # autocomplete, synonym, type, embedding
    score: float


def autocomplete_tokens(field: FormField) -> list[str]:
    return [t for t in field.autocomplete.lower().split() if not t.startswith("section-")]


def refusal(field: FormField, language: str = "") -> str:
    """Why this field is never filled, or "" (``language``: the form's, for words such as Italian "Firma")."""
    texts = [field.label, field.aria_label, field.placeholder, field.html_name, field.html_id]
    why = is_never_filled(field.kind, autocomplete_tokens(field), texts)
    if why or not language:
        return why
    for word in NEVER_BY_LANGUAGE.get(language, []):
        if any(word in normalize(t).split() for t in texts):
            return f"'{word}' fields are never filled"
    return ""


# Words that programmers put around a field's name: "txtPLZ", "input_vorname_1", "applicant[email]".
_NAME_NOISE = {"txt", "text", "inp", "input", "fld", "field", "tb", "tbx", "frm", "form", "ctl", "ctl00", "f", "id",
               "edit", "user", "customer", "cust", "applicant", "person", "personal", "contact", "data", "val",
               "value", "str", "sel", "select", "dd", "cb", "rb", "opt", "main", "reg", "registration", "signup"}


def _bare_name(name: str) -> str:
    """A field's name/id without the programmers' words and numbers around it ("" when nothing is left)."""
    words = [w for w in normalize(name).split() if w not in _NAME_NOISE and not w.isdigit()]
    return " ".join(words)


_PATH = re.compile(r"[.\[\]/:]+")


def name_path(name: str) -> tuple[str, str]:
    """A field name's sections and its own last part: "Ehegatte.Vorname" -> ("Ehegatte", "Vorname"),
    "billing[city]" -> ("billing", "city"); a name without such separators is its own last part."""
    parts = [p for p in _PATH.split(name or "") if p]
    if len(parts) < 2 or " " in (name or "").strip():   # a label used as the name ("Via/Piazza e n. civico") is one text
        return "", name or ""
    return " ".join(parts[:-1]), parts[-1]


def _texts(field: FormField) -> list[str]:
    """The field's human texts, then its name and id. A dotted or bracketed name ("Stpfl.Anschrift.HNrZu")
    counts by its last part: the parts before it name sections, not what the field asks."""
    out: list[str] = []
    for t in (field.label, field.aria_label, field.placeholder):
        n = normalize(t)
        if n and n not in out:
            out.append(n)
    for t in (field.html_name, field.html_id, field.name):
        own = name_path(t)[1]
        for n in (normalize(own), _bare_name(own)):
            if n and n not in out:
                out.append(n)
    return out


# In a label that speaks of birth, a place means the place of birth (and a street or postal code nothing).
_BIRTH_WORDS = ("geburt", "geb", "naissance", "nacimiento", "nascita", "geboorte", "fodelse", "fodd", "birth", "born",
                "nato", "nata")
_AT_BIRTH = {"address-level2": "birthplace", "country-name": "birth-country", "address-level1": "",
             "street-address": "", "postal-code": ""}
_PHRASES = [(key, normalize(p).split()) for key, phrases in SYNONYMS.items() for p in phrases]


def synonym_match(text: str) -> KeyMatch | None:
    """The key whose longest phrase occurs in ``text`` (normalised); None when absent or tied."""
    words = text.split()
    best: dict[str, tuple[int, bool]] = {}
    for key, phrase in _PHRASES:
        if " ".join(phrase) in EXACT_ONLY and phrase != words:
            continue
        if contains_phrase(words, phrase):
            exact = phrase == words
            cur = best.get(key)
            cand = (len(phrase), exact)
            if cur is None or cand > cur:
                best[key] = cand
    if not best:
        return None
    if any(w.startswith(_BIRTH_WORDS) for w in words):  # "Comune di nascita", "Geburtsort (Stadt, Land)"
        best = {_AT_BIRTH.get(k, k): v for k, v in best.items() if _AT_BIRTH.get(k, k)}
        if not best:
            return None
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    (key, (n, exact)) = ranked[0]
    tied = [k for k, (m, _) in ranked if m == n]
    if len(tied) > 1 and not exact and "name" in tied:  # "Employer name": the employer's, not the user's
        tied.remove("name")
        key = tied[0]
    if len(tied) > 1 and not exact:
        return None  # two keys with equally long phrases: ambiguous
    cover = n / max(len(words), 1)
    return KeyMatch(key, "synonym", 0.97 if exact else 0.8 + 0.15 * cover)


# Labels that ask for two values in one field, and the key that answers them (in the label's order).
_SPLIT = re.compile(r"\s*(?:/|\+|&|,|;|\b(?:und|et|and|y|e|en|och)\b)\s*", re.IGNORECASE)
_COMPOUNDS = {
    ("postal-code", "address-level2"): "postal-code+address-level2",
    ("address-level2", "postal-code"): "address-level2+postal-code",
    ("given-name", "family-name"): "name", ("given-name", "name"): "name",
    ("family-name", "given-name"): "family-name+given-name", ("name", "given-name"): "family-name+given-name",
    ("street-address", "house-number"): "street-address", ("street-name", "house-number"): "street-address",
}


def compound_match(label: str) -> KeyMatch | None:
    """"Code postal / Ville" → postal-code+address-level2; "Name, Vorname" → family-name+given-name; else None.

    A label that is itself one phrase ("Straße und Hausnummer", "Nom et prénom") is left to ``synonym_match``.
    """
    whole = synonym_match(normalize(label))
    if whole is not None and whole.score >= 0.97:
        return None
    parts = [normalize(p) for p in _SPLIT.split(label or "") if normalize(p)]
    if len(parts) != 2:
        return None
    keys = []
    for part in parts:
        m = synonym_match(part)
        # "Nachname, Vorname des neuen Mitglieds": a part may go on after its phrase
        if m is None or (m.score < 0.9 and not any(part.startswith(" ".join(ph)) for k, ph in _PHRASES if k == m.key)):
            return None
        keys.append(m.key)
    if keys[0] == keys[1]:
        return KeyMatch(keys[0], "synonym", 0.95)  # one label in two languages: "Vorname / Prénom"
    key = _COMPOUNDS.get((keys[0], keys[1]))
    return KeyMatch(key, "synonym", 0.9) if key else None


# "Day", "Month", "Year" under a "Date of birth" heading: the parts of the birthday.
_DATE_UNITS = {
    "bday-day": {"day", "dd", "tag", "tt", "jour", "jj", "dia", "giorno", "gg", "dag"},
    "bday-month": {"month", "mm", "monat", "mois", "mes", "mese", "maand", "manad"},
    "bday-year": {"year", "yyyy", "jahr", "jjjj", "annee", "aaaa", "ano", "anno", "jaar", "ar"},
}


def _date_part(label: str, section: str) -> str:
    if not label or label not in set().union(*_DATE_UNITS.values()):
        return ""
    m = synonym_match(normalize(section))
    if m is None or m.key != "bday":
        return ""
    return next(k for k, words in _DATE_UNITS.items() if label in words)


class Matcher:
    """Find the profile key of each field; embeddings are computed lazily and cached."""

    def __init__(self, embedder: EmbedderLoader | None = None, threshold: float = 0.72, margin: float = 0.03) -> None:
        self.embedder = embedder
        self.threshold = threshold
        self.margin = margin
        # the synonyms' vectors, made by the embedder named in the key (a changed embedder makes them again)
        self._ref: tuple[tuple[str, int], list[str], np.ndarray] | None = None

    def match(self, field: FormField) -> KeyMatch | None:
        tokens = autocomplete_tokens(field)
        named = [t for t in tokens if t in FIELD_TOKENS and t not in ("on", "off")]
        if named:
            if "fax" in tokens or "pager" in tokens:
                return None
            return KeyMatch(named[-1], "autocomplete", 0.99)
        texts = _texts(field)
        human = [normalize(t) for t in (field.label, field.aria_label, field.placeholder) if normalize(t)]
        # a section named in the field's name ("Ehegatte.Vorname", "otherAdult1Name", "cotitular_movil") counts too
        named_in = [normalize(name_path(t)[0]) for t in (field.html_name, field.name)] + [
            _bare_name(t) for t in (field.html_name, field.html_id)]
        section = [] if _applicants(normalize(field.section)) else [normalize(field.section)]
        if any(about_someone_else(t) for t in human + section + [n for n in named_in if n]) or (
                section and _second_person(section[0])):
            return None
        if any(contains_phrase(t.split(), p) for t in human for p in _IF_DIFFERENT):
            return None   # asked only when it differs from a value the form already has
        if any(t.split()[0] in ADDRESS_HEADS and EMPLOYER_WORDS & set(t.split()) for t in human):
            return None   # the employer's address
        if any(contains_phrase(t.split(), p) for t in human for p in _HOLDER) \
                or any(t.split()[0] in THIRD_PERSON_FIRST for t in human):
            return None   # the bank account's holder; "sa date de naissance" (his or hers)
        if field.kind not in _CHOICE_KINDS and _conditional(field):
            return None   # "Ook een gezinslid aanmelden? Naam gezinslid", "… mind. 8 Std.? (ja/nein)"
        if human and human[0] in BARE_DATES:
            return None   # the day of signing, not a birthday
        unit = _date_part(human[0] if human else "", field.section)
        if unit:
            return KeyMatch(unit, "synonym", 0.9)
        for raw in (field.label, field.aria_label):
            m = compound_match(raw)
            if m is not None:
                return m
        for t in texts:
            m = synonym_match(t)
            if m is not None:
                if t not in human:  # only the name/id said it
                    if human and m.score < 0.97 and not _names_at_end(t, m.key):
                        continue   # a label that names nothing known, beside "cp_num_permis": "cp" is no postal code
                    m.score = min(m.score, 0.9)
                return m
        if field.kind in _KIND_KEYS:
            return KeyMatch(_KIND_KEYS[field.kind], "type", 0.9)
        return self.embedding_match(field)

    def _reference(self, embedder: TextEmbedder) -> tuple[list[str], np.ndarray]:
        made_by = (embedder.name, embedder.dim)
        if self._ref is None or self._ref[0] != made_by:
            keys, phrases = [], []
            for key, ps in SYNONYMS.items():
                for p in ps:
                    keys.append(key)
                    phrases.append(p)
            self._ref = (made_by, keys, embed_texts(embedder, phrases))
        return self._ref[1], self._ref[2]

    def embedding_match(self, field: FormField) -> KeyMatch | None:
        if self.embedder is None:
            return None
        text = field.label or field.aria_label or field.placeholder or normalize(field.html_name or field.name)
        if not text.strip():
            return None
        embedder = self.embedder()
        keys, ref = self._reference(embedder)
        q = embed_texts(embedder, [text])[0]
        sims = ref @ q
        per_key: dict[str, float] = {}
        for k, s in zip(keys, sims):
            per_key[k] = max(per_key.get(k, -1.0), float(s))
        ranked = sorted(per_key.items(), key=lambda kv: kv[1], reverse=True)
        (key, s1) = ranked[0]
        s2 = ranked[1][1] if len(ranked) > 1 else -1.0
        if s1 < self.threshold or s1 - s2 < self.margin:
            return None
        if key.startswith("bday") and not any(w.startswith(_BIRTH_WORDS) for w in normalize(text).split()):
            return None   # a date that does not say birth ("Datum", "Valid from") is no birthday
        return KeyMatch(key, "embedding", min(0.9, s1))


def _birthday_parts(fields: list[FormField], matches: dict[str, KeyMatch | None]) -> None:
    """"Geboortedatum: dag" then "maand" then "jaar" (three boxes in a row): the birthday's day, month and year."""
    for i, f in enumerate(fields):
        m = matches.get(f.name)
        words = normalize(f.label).split()
        units = [w for w in words if any(w in ws for ws in _DATE_UNITS.values())]
        if not (m and m.key == "bday" and len(words) >= 2 and units == [words[-1]]
                and words[-1] in _DATE_UNITS["bday-day"]):
            continue   # not "Födelsedatum (ÅÅÅÅ-MM-DD)": a format names all three
        m.key = "bday-day"
        for g in fields[i + 1:i + 3]:
            unit = next((k for k, ws in _DATE_UNITS.items() if normalize(g.label) in ws), "")
            if unit not in ("bday-month", "bday-year") or g.name not in matches:
                break
            matches[g.name] = KeyMatch(unit, "synonym", 0.9)


def resolve_form(fields: list[FormField], matches: dict[str, KeyMatch | None]) -> None:
    """Form-wide fixes: "Name" beside a given-name field means the family name (German/French forms);
    "Straße" beside a house-number field means the street's name alone."""
    texts = {f.name: [normalize(t) for t in (f.section, f.label, f.aria_label) if t] for f in fields}
    if any(contains_phrase(t.split(), p) for ts in texts.values() for t in ts for p in _LEAVING):
        for f in fields:   # a move not made yet: the new address is not the one the documents know
            if f.name in matches and any(contains_phrase(t.split(), p) for t in texts[f.name] for p in _NEW_ADDRESS):
                matches[f.name] = None
    # "Plaats" / "Datum" / "Handtekening": a bare place beside the signing date or the signature is where it is signed
    signing = {f.section for f in fields if f.label and (normalize(f.label) in BARE_DATES or any(
        contains_phrase(normalize(f.label).split(), p) for p in _SIGNATURE))}   # a signature, not a card or password
    for f in fields:
        if f.name in matches and normalize(f.label) in SIGNING_PLACE and f.section in signing:
            matches[f.name] = None
    _birthday_parts(fields, matches)
    keys = {m.key for m in matches.values() if m}
    numbered = {f.section for f in fields if (m := matches.get(f.name)) and m.key == "house-number"}
    for f in fields:   # "Straße" beside "Hausnummer" (in the same part of the form)
        m = matches.get(f.name)
        if m and m.key == "street-address" and m.how != "autocomplete" and f.section in numbered:
            m.key = "street-name"
    if "given-name" in keys and "family-name" not in keys:
        for m in matches.values():
            if m and m.key == "name" and m.how != "autocomplete":
                m.key = "family-name"
