"""Other people in the owner's life: small records (name, relation, e-mail, phone, organization), kept
apart from the owner's profile so that nothing about a sister or a colleague becomes the owner's fact.

Records come from the owner's own words ("my sister Anna", "meine Schwester Anna, 0171 ..."), from
received mail (the sender and their signature), from contact rows and address-book cards that are not
the owner's, and from the other participants of chat exports. Each record keeps its source, so that
forgetting a document forgets what it said. ``lookup`` answers "my sister's phone number".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from sqlalchemy import delete
from sqlmodel import select

from core.persona.owner import NAME_RE, fold, person_name
from core.persona.tables import PersonaPerson
from core.store.clock import utcnow

if TYPE_CHECKING:
    from core.store.db import Database

RELATIONS: dict[str, str] = {
    # English
    "wife": "partner", "husband": "partner", "partner": "partner", "spouse": "partner", "girlfriend": "partner",
    "boyfriend": "partner", "fiancée": "partner", "fiancé": "partner", "fiance": "partner", "fiancee": "partner",
    "sister": "sister", "brother": "brother", "mother": "mother", "mom": "mother", "mum": "mother",
    "father": "father", "dad": "father", "son": "son", "daughter": "daughter", "colleague": "colleague",
    "coworker": "colleague", "co-worker": "colleague", "boss": "manager", "manager": "manager", "friend": "friend",
    "best friend": "friend", "neighbour": "neighbour", "neighbor": "neighbour", "cousin": "cousin",
    "aunt": "aunt", "uncle": "uncle", "grandmother": "grandmother", "grandma": "grandmother",
    "grandfather": "grandfather", "grandpa": "grandfather", "niece": "niece", "nephew": "nephew",
    "landlord": "landlord", "landlady": "landlord", "doctor": "doctor", "dentist": "dentist", "gp": "doctor",
    "other half": "partner", "better half": "partner",
    # German
    "frau": "partner", "mann": "partner", "freundin": "friend", "freund": "friend", "partnerin": "partner",
    "ehefrau": "partner", "ehemann": "partner", "schwester": "sister", "bruder": "brother", "mutter": "mother",
    "mama": "mother", "vater": "father", "papa": "father", "sohn": "son", "tochter": "daughter",
    "kollege": "colleague", "kollegin": "colleague", "chef": "manager", "chefin": "manager", "nachbar": "neighbour",
    "nachbarin": "neighbour", "cousine": "cousin", "tante": "aunt", "onkel": "uncle", "oma": "grandmother",
    "opa": "grandfather", "vermieter": "landlord", "vermieterin": "landlord", "hausarzt": "doctor",
    "hausärztin": "doctor", "arzt": "doctor", "ärztin": "doctor", "zahnarzt": "dentist",
    # French
    "femme": "partner", "mari": "partner", "conjoint": "partner", "conjointe": "partner", "époux": "partner",
    "épouse": "partner", "epoux": "partner", "epouse": "partner", "compagne": "partner", "compagnon": "partner", "copine": "partner",
    "copain": "partner", "sœur": "sister", "soeur": "sister", "frère": "brother", "frere": "brother",
    "mère": "mother", "mere": "mother", "père": "father", "pere": "father", "fils": "son", "fille": "daughter",
    "collègue": "colleague", "collegue": "colleague", "ami": "friend", "amie": "friend", "voisin": "neighbour",
    "voisine": "neighbour", "oncle": "uncle", "propriétaire": "landlord", "médecin": "doctor", "dentiste": "dentist",
    # Spanish
    "esposa": "partner", "esposo": "partner", "mujer": "partner", "marido": "partner", "novia": "partner",
    "novio": "partner", "pareja": "partner", "hermana": "sister", "hermano": "brother", "madre": "mother",
    "padre": "father", "hijo": "son", "hija": "daughter", "colega": "colleague", "compañero": "colleague",
    "compañera": "colleague", "jefe": "manager", "jefa": "manager", "amigo": "friend", "amiga": "friend",
    "vecino": "neighbour", "vecina": "neighbour", "primo": "cousin", "prima": "cousin", "tía": "aunt",
    "tío": "uncle", "abuela": "grandmother", "abuelo": "grandfather", "médico": "doctor", "médica": "doctor",
    # Swedish
    "fru": "partner", "make": "partner", "sambo": "partner", "flickvän": "partner", "pojkvän": "partner",
    "syster": "sister", "bror": "brother", "mamma": "mother", "pappa": "father", "dotter": "daughter",
    "kollega": "colleague", "vän": "friend", "väninna": "friend", "granne": "neighbour",
    "kusin": "cousin", "läkare": "doctor", "tandläkare": "dentist", "hyresvärd": "landlord", "moster": "aunt", "faster": "aunt", "morbror": "uncle", "farbror": "uncle",
    "mormor": "grandmother", "farmor": "grandmother", "morfar": "grandfather", "farfar": "grandfather",
    # Italian
    "marito": "partner", "moglie": "partner", "compagno": "partner", "compagna": "partner", "fidanzato": "partner",
    "fidanzata": "partner", "sorella": "sister", "fratello": "brother", "papà": "father", "figlio": "son",
    "figlia": "daughter", "collega": "colleague", "capo": "manager", "amico": "friend", "amica": "friend",
    "vicino": "neighbour", "vicina": "neighbour", "cugino": "cousin", "cugina": "cousin", "zia": "aunt",
    "zio": "uncle", "nonna": "grandmother", "nonno": "grandfather", "medico": "doctor", "dentista": "dentist",
    # Dutch
    "vrouw": "partner", "man": "partner", "vriendin": "partner", "echtgenote": "partner", "echtgenoot": "partner",
    "zus": "sister", "zuster": "sister", "broer": "brother", "moeder": "mother", "vader": "father", "pa": "father",
    "zoon": "son", "dochter": "daughter", "baas": "manager", "vriend": "friend", "buurman": "neighbour",
    "buurvrouw": "neighbour", "neef": "cousin", "nicht": "cousin", "oom": "uncle", "huisarts": "doctor",
    "tandarts": "dentist", "verhuurder": "landlord",
}
RELATIONS = {k.strip(): v for k, v in RELATIONS.items()}
_REL_WORDS = "|".join(sorted((re.escape(k) for k in RELATIONS), key=len, reverse=True))
_POSSESSIVE = r"(?:my|our|meine?r?|unsere?r?|mon|ma|mes|notre|mi|mis|nuestra?|min|mitt|mina|vår|vårt|(?:il |la )?mi[oa]|mijn|onze)"
RELATION_RE = re.compile(rf"\b(?i:{_POSSESSIVE})\s+(?i:{_REL_WORDS})(?:'s name is|,| is called| heißt| s'appelle| se llama| heter)?"
                         rf"\s+({NAME_RE.pattern})")
_PHONE_NEAR = re.compile(r"(?:\+\d{1,3}[\s./-]?)?(?:\(\d{1,5}\)[\s./-]?)?\d[\d\s./-]{5,16}\d")
_EMAIL_NEAR = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}")


@dataclass
class Person:
    """Someone the owner knows, merged over every source that mentions them."""

    name: str
    relation: str = ""
    email: str = ""
    tel: str = ""
    organization: str = ""
    sources: tuple[str, ...] = ()


_NOTE_RELATION = re.compile(rf"^\W*(?:(?i:{_POSSESSIVE})\s+)?((?i:{_REL_WORDS}))\b\W*$")


def note_relation(note: str) -> str:
    """An address book's note that only names the relation ("my other half", "mijn vriendin ❤", "zus"):
    the relation, else ""."""
    m = _NOTE_RELATION.match(note.strip())
    return RELATIONS.get(m.group(1).casefold(), "") if m else ""


def relation_mentions(text: str) -> list[Person]:
    """"my sister Anna (0171 2345678)", "meine Kollegin Jana Weber", "ma sœur Léa": name, relation, and a
    phone or e-mail in the same sentence."""
    out: list[Person] = []
    for m in RELATION_RE.finditer(text):
        word = re.search(rf"(?i:{_REL_WORDS})", m.group(0))
        rel = RELATIONS.get(word.group(0).casefold(), "") if word else ""
        name = person_name(re.sub(r"['’]s$", "", m.group(1)))   # "my partner Callum's parents": Callum
        if not name or not rel:
            continue
        end = re.search(r"[.!?\n]", text[m.end():])
        sentence = text[m.end(): m.end() + (end.start() if end else 120)]
        phone = _PHONE_NEAR.search(sentence)
        mail = _EMAIL_NEAR.search(sentence)
        out.append(Person(name, rel, mail.group(0) if mail else "",
                          phone.group(0).strip() if phone and len(re.sub(r"\D", "", phone.group(0))) >= 7 else ""))
    return out


class PeopleStore:
    """Records of other people, one row per (source, person); ``all`` merges them by name or e-mail."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.version = 0          # bumped on every write (callers cache what they derive)

    def replace(self, source_ref: str, people: Sequence[Person], source: str, document_id: int | None = None) -> None:
        self.version += 1
        with self.db.session() as s:
            s.exec(delete(PersonaPerson).where(PersonaPerson.source_ref == source_ref))  # type: ignore[arg-type]
            for p in people:
                if not (p.name or p.email):
                    continue
                s.add(PersonaPerson(name=p.name, relation=p.relation, email=p.email, tel=p.tel,
                                    organization=p.organization, source=source, source_ref=source_ref,
                                    document_id=document_id, updated_at=utcnow()))

    def remove_document(self, document_id: int) -> None:
        self.version += 1
        with self.db.session() as s:
            s.exec(delete(PersonaPerson).where(PersonaPerson.document_id == document_id))  # type: ignore[arg-type]

    def remove_matching(self, is_owner) -> None:  # (Person) -> bool
        """Drop records that turn out to describe the owner."""
        self.version += 1
        with self.db.session() as s:
            for r in s.exec(select(PersonaPerson)):
                if is_owner(Person(r.name, r.relation, r.email, r.tel)):
                    s.delete(r)

    def all(self) -> list[Person]:
        with self.db.session() as s:
            rows = list(s.exec(select(PersonaPerson)))
        merged: list[Person] = []
        index: dict[str, Person] = {}
        for r in rows:
            keys = [k for k in (f"n:{fold(r.name)}" if r.name else "", f"e:{r.email.casefold()}" if r.email else "") if k]
            p = next((index[k] for k in keys if k in index), None)
            if p is None:
                p = Person(r.name, r.relation, r.email, r.tel, r.organization, (r.source,))
                merged.append(p)
            else:
                if len(r.name.split()) > len(p.name.split()):
                    p.name = r.name
                p.relation = p.relation or r.relation
                p.email = p.email or r.email
                p.tel = p.tel or r.tel
                p.organization = p.organization or r.organization
                if r.source not in p.sources:
                    p.sources = p.sources + (r.source,)
            for k in keys + ([f"n:{fold(p.name)}"] if p.name else []):
                index[k] = p
        for p in list(merged):   # "Lena" (my sister) is "Lena Novak" when she is the only Lena with a full name
            if p.name and " " not in p.name:
                full = [q for q in merged if q is not p and q.name.split()[:1] == [p.name] and " " in q.name]
                if len(full) == 1:
                    q = full[0]
                    q.relation, q.email, q.tel = q.relation or p.relation, q.email or p.email, q.tel or p.tel
                    q.sources = q.sources + tuple(x for x in p.sources if x not in q.sources)
                    merged.remove(p)
        return sorted(merged, key=lambda p: (not p.relation, p.name.casefold()))

    def contact_values(self) -> set[str]:
        """Every phone (digits) and e-mail (folded) that belongs to someone else."""
        with self.db.session() as s:
            rows = list(s.exec(select(PersonaPerson)))
        out = {r.email.casefold() for r in rows if r.email}
        out |= {re.sub(r"\D", "", r.tel)[-9:] for r in rows if len(re.sub(r"\D", "", r.tel)) >= 7}
        return out

    def lookup(self, who: str) -> list[Person]:
        """People by relation ("sister", "Schwester") or by (part of) their name."""
        w = fold(who)
        rel = RELATIONS.get(w, w)
        return [p for p in self.all() if p.relation == rel or (w and w in fold(p.name))]
