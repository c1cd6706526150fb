"""Which profile value a question asks for: whose (the user's, or a person's in their life) and which key.

"What is my mobile number?" → (self, tel); "When was I born?" → (self, bday); "Wo arbeite ich?" →
(self, organization); "What is my sister's phone number?" → (sister, tel). Questions in English,
German, French, Spanish, Italian, Dutch and Swedish. Anything else is not a fact question (None):
the chat answers it from passages instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from core.grounding.extractive import is_question
from core.grounding.values import fold
from core.persona.keys import label
from core.persona.people import RELATIONS

# First-person words: the question is about the user. A possessive must come just before the thing asked
# ("my mobile number", "mein Geburtstag"); a pronoun may sit anywhere in the phrase ("where do I live").
_POSSESSIVE = r"my|mine|mein|meine|meinen|meinem|meiner|meines|mon|ma|mes|mi|mis|min|mitt|mina|mio|mia|miei|mijn"
# Spanish and Italian drop the pronoun: the first-person verb says it ("¿Dónde trabajo?", "Dove abito?").
_PRONOUN = r"i|me|ich|mir|mich|je|j|moi|yo|jag|mig|io|ik|vivo|trabajo|naci|abito|lavoro|nacqui|sono"
_SELF = re.compile(rf"\b(?:(?P<pos>{_POSSESSIVE})|(?P<pro>{_PRONOUN}))\b")

# (pattern on the folded question, key). The first that matches wins, so the specific come first.
_KEYS: list[tuple[str, str]] = [
    (r"\b(?:where|wo|ou|donde|var|dove|waar)\b.*\b(?:born|geboren|ne|nee|naci|fodd\w*|nato|nata)\b|place of birth|"
     r"birthplace|geburtsort|lieu de naissance|lugar de nacimiento|fodelseort|luogo di nascita|geboorteplaats",
     "birthplace"),
    (r"birthday|born|birth ?date|date of birth|geburtstag|geburtsdatum|geboren|anniversaire|naissance|\bne\b|\bnee\b|"
     r"cumpleanos|naci|nacimiento|fodelsedag|fodd|compleanno|nato|nata|nascita|verjaardag|geboortedatum|jarig",
     "bday"),
    (r"passport|reisepass|\bpass ?nummer|passeport|pasaporte|passaporto|paspoort", "passport-number"),
    (r"\biban\b|bank ?account|account number|kontonummer|compte bancaire|cuenta bancaria|bankkonto|conto corrente|"
     r"rekeningnummer", "iban"),
    (r"credit card|card number|kreditkarte|kartennummer|carte bancaire|tarjeta|kortnummer|carta di credito",
     "cc-number"),
    (r"social security|\bssn\b|sozialversicherung|securite sociale|seguridad social|personnummer|codice fiscale|bsn",
     "ssn"),
    (r"tax (?:id|number)|steuer-?id|steuernummer|numero fiscal|\bnif\b|skattenummer", "tax-id"),
    (r"e-?mail|mail address|courriel|correo|e-?post|posta elettronica|mailadres", "email"),
    (r"phone|mobile|cell\b|telephone|\btel\b|telefon|handy|rufnummer|portable|movil|celular|telefono|mobil|"
     r"cellulare|telefoon|mobiel|\bnummer\b|"
     # a bare "number" is the phone only as "my number" ("my membership number" is something else)
     rf"\b(?:{_POSSESSIVE})\s+(?:number|numero)\b", "tel"),
    (r"post ?code|postal code|zip|\bplz\b|postleitzahl|code postal|codigo postal|postnummer|codice postale|postcode",
     "postal-code"),
    (r"\b(?:where|wo|ou|donde|var|dove|waar)\b.*\b(?:live|wohne|habite|vis|vivo|bor|abito|woon)\b|"
     r"\b(?:address|adresse|anschrift|direccion|adress|indirizzo|adres)\b|\bwohnort\b|domicile", "street-address"),
    (r"\b(?:city|town|stadt|ville|ciudad|stad|citta)\b", "address-level2"),
    (r"\b(?:country|land|pays|pais|paese)\b", "country-name"),
    (r"\b(?:where|wo|ou|donde|var|dove|waar|who|wer|qui|quien|vem|chi|wie)\b.*\b(?:work|employ|arbeite|travaille|"
     r"trabajo|arbetar|jobbar|lavoro|werk)\w*|employer|company|arbeitgeber|firma|employeur|entreprise|empresa|"
     r"arbetsgivare|datore di lavoro|werkgever", "organization"),
    (r"\bjob\b|job title|occupation|profession|\brole\b|\bposition\b|what do i do|beruf|als was|metier|\bposte\b|"
     r"profesion|trabajo|yrke|jobb\b|mestiere|lavoro|beroep|functie", "organization-title"),
    (r"website|homepage|web ?site|webseite|site web|sitio web|webbplats|sito|\burl\b", "url"),
    (r"first name|given name|vorname|prenom|nombre de pila|fornamn|nome di battesimo|voornaam", "given-name"),
    (r"last name|surname|family name|nachname|nom de famille|apellido|efternamn|cognome|achternaam", "family-name"),
    (r"\bname\b|who am i|wie heisse|heisse ich|m'appelle|m appelle|me llamo|heter jag|mi chiamo|\bnaam\b|\bnom\b|"
     r"\bnombre\b|\bnamn\b|\bnome\b", "name"),
    (r"nationality|citizenship|staatsangehorigkeit|nationalite|nacionalidad|medborgarskap|nazionalita|nationaliteit",
     "nationality"),
]
# A question about what was said or written is about a conversation or a document, not a stored value.
_REPORTED = re.compile(r"\b(?:told|said|wrote|written|asked|mentioned|talked|discussed|gesagt|geschrieben|erzahlt|"
                       r"gefragt|ecrit|demande|dije|dijo|escribi|pregunte|sade|skrev|fragade|detto|scritto|chiesto|"
                       r"gezegd|geschreven|gevraagd)\b|\bdid\b.*\b(?:say|tell|write|ask|mention|talk|discuss)\b")
_KEY_RES = [(re.compile(p), k) for p, k in _KEYS]
_RELATIONS = {fold(k): v for k, v in RELATIONS.items()}
_REL = "|".join(sorted((re.escape(k) for k in _RELATIONS), key=len, reverse=True))
# "min systers", "meines Bruders": the genitive -s is the same person
_REL_RE = re.compile(rf"\b(?:{_POSSESSIVE})\s+({_REL})(?:'?s)?\b")


def _own(text: str, key: re.Match[str]) -> bool:
    """The key phrase is the user's: "my <≤2 words> phrase", or a first-person pronoun in or near it."""
    for m in _SELF.finditer(text):
        if m.group("pos") and m.end() <= key.start() and len(text[m.end():key.start()].split()) <= 2:
            return True
        if m.group("pro") and (key.start() <= m.start() < key.end()
                               or len((text[m.end():key.start()] if m.end() <= key.start()
                                       else text[key.end():m.start()]).split()) <= 3):
            return True
    return False


def _near(text: str, key: re.Match[str], person: tuple[int, int] | None) -> bool:
    """The key phrase is the person's: within three words of their name or relation ("Anna's phone",
    "the phone number of my sister"), not elsewhere in a longer question."""
    if person is None:
        return False
    a, b = person
    gap = text[b:key.start()] if b <= key.start() else text[key.end():a]
    return len(gap.split()) <= 3


@dataclass(frozen=True)
class FactQuestion:
    """A question about one value: ``who`` is "self", a relation ("sister") or a person's name."""

    who: str
    key: str


def parse_question(text: str, known_keys: set[str] = frozenset(), names: list[str] = ()) -> FactQuestion | None:  # type: ignore[assignment]
    """The (whose, key) a question asks for, or None. ``known_keys`` are the profile's free keys
    ("favorite-food"), matched by their label; ``names`` are the people Mnemo knows."""
    t = fold(text).replace("’", "'")
    if not is_question(text) or _REPORTED.search(t):
        return None
    who, near = "", None
    rel = _REL_RE.search(t)
    if rel:
        who = _RELATIONS.get(rel.group(1), rel.group(1))
        rest = t[:rel.start()] + " " * (rel.end() - rel.start()) + t[rel.end():]
        near = (rel.start(), rel.end())
    else:
        for n in sorted(names, key=len, reverse=True):
            parts = [p for p in fold(n).split() if len(p) > 1]
            m = re.search(rf"\b{re.escape(fold(n))}\b", t) or (re.search(rf"\b{re.escape(parts[0])}\b", t) if parts else None)
            if m:
                who, near = n, (m.start(), m.end())
                rest = t[:m.start()] + " " * (m.end() - m.start()) + t[m.end():]
                break
        if not who:
            if not _SELF.search(t):
                return None
            who, rest = "self", t
    rest = rest.replace("favourite", "favorite")
    for key in sorted(known_keys - {k for _, k in _KEYS}, key=lambda k: -len(label(k))):
        words = fold(label(key)).replace("favourite", "favorite").split()
        if len(words) >= 2:
            m = re.search(r"\b" + r"\W+".join(re.escape(w) for w in words), rest)
            if m and (_own(rest, m) if who == "self" else _near(rest, m, near)):
                return FactQuestion(who, key)
    for rx, key in _KEY_RES:
        m = rx.search(rest)
        if m:
            return FactQuestion(who, key) if (_own(rest, m) if who == "self" else _near(rest, m, near)) else None
    if who != "self":   # "Who is my sister?"
        if re.search(r"\b(?:who|wer|qui|quien|vem|chi|wie)\b", t):
            return FactQuestion(who, "name")
    return None
