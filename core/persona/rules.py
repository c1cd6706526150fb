"""High-precision rule extractors: e-mail, phone, URL, dates, postal codes, addresses, IBAN,
card numbers, labelled fields (``Name: ...``), vCards, and first-person statements.

Rules run on every imported chunk and every user message; they are fast (regex only) and
find what a small model gets wrong. Each hit is a ``Candidate`` with a confidence; the
fact store combines candidates from many sources (see ``facts.resolve``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from core.documents.importers.vcard import read_cards
from core.persona.diet import KEY as DIET_KEY, stated_diets
from core.labels.lexicon import key_of_label
from core.persona.owner import NAME_PARTICLES, NAME_RE, normal_name, strip_salutation
from core.persona.keys import ALIASES, AUTOCOMPLETE_TOKENS, SENSITIVE_KEYS, normalize_key
from core.persona.regions import STATE_REGIONS
from core.persona.values import birth_date_of_id, looks_like_card, looks_like_iban, parse_date

COUNTRIES = {
    "germany", "deutschland", "austria", "österreich", "switzerland", "schweiz", "suisse", "france", "italy",
    "italia", "spain", "españa", "portugal", "netherlands", "the netherlands", "nederland", "belgium", "luxembourg",
    "denmark", "sweden", "norway", "finland", "iceland", "ireland", "united kingdom", "uk", "england", "scotland",
    "wales", "poland", "czech republic", "czechia", "slovakia", "hungary", "romania", "bulgaria", "greece",
    "croatia", "slovenia", "serbia", "turkey", "ukraine", "russia", "estonia", "latvia", "lithuania",
    "united states", "united states of america", "usa", "us", "canada", "mexico", "brazil", "argentina", "chile",
    "colombia", "peru", "japan", "china", "india", "south korea", "korea", "taiwan", "singapore", "australia",
    "new zealand", "south africa", "egypt", "nigeria", "kenya", "morocco", "israel", "vietnam", "thailand",
    "indonesia", "philippines", "malaysia",
}

EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}(?![\w-])")
PHONE_RE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s./-]?)?(?:\(\d{1,5}\)[\s./-]?)?\d[\d\s./-]{5,16}\d(?!\w)")
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:!?]", re.I)
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
CARD_RE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
POSTAL_PATTERNS = [
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"),        # UK
    re.compile(r"\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}\b"),   # Ireland (Eircode)
    re.compile(r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b"),                 # Canada
    re.compile(r"\b\d{4} ?[A-Z]{2}\b"),                          # Netherlands
    re.compile(r"\b\d{5}(?:-\d{4})?\b"),                         # US, DE, FR, IT, ES
    re.compile(r"\b\d{3}-\d{4}\b|\b\d{2}-\d{3}\b|\b\d{3} \d{2}\b"),  # JP, PL, SE/CZ
    re.compile(r"\b\d{4}\b"),                                    # AT, CH, BE, DK, AU, NO
]


PROFESSIONS_INTL = {
    "ingenieur", "ingenieurin", "entwickler", "entwicklerin", "lehrer", "lehrerin", "ärztin", "arzt", "krankenschwester",
    "pfleger", "pflegerin", "redakteur", "redakteurin", "lektorin", "lektor", "designerin", "architektin", "architekt",
    "beraterin", "berater", "anwältin", "anwalt", "projektleiterin", "projektleiter", "ingénieur", "ingénieure",
    "développeur", "développeuse", "enseignant", "enseignante", "professeur", "professeure", "médecin", "infirmier",
    "infirmière", "avocat", "avocate", "journaliste", "rédacteur", "rédactrice", "ingeniero", "ingeniera",
    "desarrollador", "desarrolladora", "profesor", "profesora", "médico", "médica", "enfermero", "enfermera",
    "abogado", "abogada", "periodista", "diseñador", "diseñadora", "ingenjör", "utvecklare", "lärare", "läkare",
    "sjuksköterska", "journalist", "redaktör", "projektledare", "konsult", "designer",
}
NAME_LIKE = {"partner-name", "pet-name", "birthplace", "nickname", "given-name", "family-name", "address-level2",
             "organization"}
PROFESSIONS = {
    "nurse", "doctor", "physician", "surgeon", "dentist", "pharmacist", "therapist", "psychologist", "teacher",
    "professor", "lecturer", "researcher", "scientist", "engineer", "developer", "programmer", "designer",
    "architect", "editor", "writer", "journalist", "translator", "lawyer", "attorney", "accountant", "consultant",
    "manager", "analyst", "student", "chef", "cook", "baker", "carpenter", "electrician", "plumber", "mechanic",
    "pilot", "driver", "farmer", "artist", "musician", "photographer", "librarian", "officer", "paramedic",
    "firefighter", "veterinarian", "economist", "entrepreneur", "founder", "administrator", "technician",
    "secretary", "assistant", "salesperson", "marketer", "recruiter", "actor", "dancer", "midwife", "tailor",
}


@dataclass
class Candidate:
    """One value for one key found in one piece of text."""

    key: str
    value: str
    confidence: float
    rule: str = ""
    change: bool = False   # the text says the value changed ("I moved to ...")


# ---- value parsers (dates, card and IBAN checks: core.persona.values) -------------------------------------------
def clean_phone(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if not 7 <= len(digits) <= 15 or parse_date(value) or re.fullmatch(r"\d{4}-\d{4}", value.strip()):
        return None
    return re.sub(r"\s+", " ", value.strip(" .-/"))


DOUBLE_SURNAME_REGIONS = ("ES", "MX", "AR", "CO", "CL", "PE", "UY", "VE", "EC", "BO", "PY", "CR", "GT", "PT", "BR")


def split_name(name: str, region: str | None = None) -> list[Candidate]:
    """Given and family name of a full name: the family name starts at a particle ("Thijs | van der Meulen",
    "María | de la Fuente", "Wouter | De Smedt"), is the last two words where the region writes two family names ("Javier |
    Moreno Castillo"), else the last word; a leading title is dropped."""
    words = [w for w in re.split(r"\s+", strip_salutation(name)) if w]   # "Dr. Anna Berg": no title
    if not 2 <= len(words) <= 6 or not words[0][:1].isupper() or not words[-1][:1].isupper() or any(
            not w[:1].isupper() and w not in NAME_PARTICLES for w in words):
        return []
    if words[0].lower() in NAME_PARTICLES:
        return []   # "De Smedt Wouter": family name first, no telling where it ends
    given = words[0]
    # "Thijs van der Meulen", and a particle written with a capital: "Wouter De Smedt", "Sofie Van Acker"
    particle = next((i for i, w in enumerate(words[1:-1], 1) if w.lower() in NAME_PARTICLES), None)
    if particle is not None:
        family = " ".join(words[particle:])
    elif len(words) >= 3 and (region or "").upper() in DOUBLE_SURNAME_REGIONS:
        family = " ".join(words[-2:])
    else:
        family = words[-1]
    return [Candidate("given-name", given, 0, "name-split"), Candidate("family-name", family, 0, "name-split")]


def parse_address(text: str) -> list[Candidate]:
    """Split a one- or multi-line postal address into street, postal code, city, region and country."""
    parts = [p.strip(" .") for p in re.split(r"[,\n;]+", text) if p.strip(" .")]
    out: list[Candidate] = []
    if not parts:
        return out
    if parts[-1].lower() in COUNTRIES:
        out.append(Candidate("country-name", parts.pop(), 0, "address"))
    # "Calle de Sueca, 41, 3.º, pta. 8" / "Via Saragozza, 58": the street's name, its number, and the unit after
    for i in range(len(parts) - 1):
        if not re.search(r"\d", parts[i]) and re.search(r"[A-Za-zÀ-ž]{3}", parts[i]) and _HOUSE_NO.fullmatch(parts[i + 1]):
            j = i + 2
            while j < len(parts) and _UNIT.fullmatch(parts[j]) and not _postal_city(parts[j]):
                j += 1
            parts[i:j] = [", ".join(parts[i:j])]
            break
    street_idx = next((i for i, p in enumerate(parts) if re.search(r"\d", p) and re.search(r"[A-Za-zÀ-ž]{3}", p)
                       and not _postal_city(p)), None)
    unit = None
    if street_idx is not None and street_idx + 1 < len(parts) and _LEAD_UNIT.fullmatch(parts[street_idx]) \
            and re.search(r"\d", parts[street_idx + 1]) and not _postal_city(parts[street_idx + 1]):
        unit, street_idx = parts[street_idx], street_idx + 1   # "Flat 2, 27 Beech Road": the street, and its flat
    loose: list[str] = []
    for i, p in enumerate(parts):
        if i == street_idx:
            continue
        pc = _postal_city(p)
        if pc:
            postal, city = pc
            out.append(Candidate("postal-code", postal, 0, "address"))
            state = re.fullmatch(r"(.*\S)\s+([A-Z]{2,3})", city) if p.rstrip().endswith(postal) else None
            if state and state.group(2) in STATE_CODES and not re.search(r"\d", state.group(1)):
                # "CHICAGO IL 60647-4410", "Sydney NSW 2000": the city, then the state's code before the postal code
                out.append(Candidate("address-level1", state.group(2), 0, "address"))
                city = state.group(1)
            if city and re.fullmatch(r"[A-Z]{2}", city):
                out.append(Candidate("address-level1", city, 0, "address"))
            elif city:
                out.append(Candidate("address-level2", _city(city), 0, "address"))
        elif street_idx is not None and i > street_idx and not re.search(r"\d|@|://|www\.", p) and len(p.split()) <= 4:
            loose.append(p)   # a city without its postal code, or a district before "Manchester M21 9EG"
    if loose and not any(c.key == "address-level2" for c in out):
        out.append(Candidate("address-level2", loose[0], 0, "address"))
    if street_idx is not None:
        out.append(Candidate("street-address", parts[street_idx], 0, "address"))
    if unit is not None:
        out.append(Candidate("address-line2", unit, 0, "address"))
    # "Springfield, IL 62704": the city is the part before "IL 62704"
    if any(c.key == "address-level1" for c in out) and not any(c.key == "address-level2" for c in out):
        for p in parts:
            if p != (parts[street_idx] if street_idx is not None else None) and not re.search(r"\d", p):
                out.append(Candidate("address-level2", p, 0, "address"))
                break
    return out


# The states and territories written as a code before the postal code: the United States ("Chicago, IL 60647"),
# Canada ("Toronto ON M5V 2T6") and Australia ("Sydney NSW 2000").
STATE_CODES = frozenset().union(*STATE_REGIONS.values())
_HOUSE_NO = re.compile(r"(?:n[º°o.]?\s*|nr\.?\s*|no\.?\s*)?\d{1,5}\s?[A-Za-z]?(?:\s?[-/]\s?\d{1,4}[A-Za-z]?)?", re.I)
# The words of a flat, floor, staircase or door, in every language read here ("Flat 2", "lgh 1203", "3. OG",
# "pta. 8", "bus 3", "Stiege 2, Tür 7"); autofill's house-number split reads the same words.
UNIT_WORDS = (r"lgh|lägenhet|apt|apto|apartment|appartement|appartamento|appt|app|flat|unit|suite|whg|wohnung|"
              r"stiege|stg|tür|top|og|stock|etage|étage|et|hg|bus|bte|boîte|piso|planta|pta|puerta|esc|escalera|"
              r"int|interno|scala|sc|piano|p|tr|trappor")
# a flat written before the street ("Flat 2, 27 Beech Road", "Apartment 4B", "Wohnung 3", "Top 5")
_LEAD_UNIT = re.compile(rf"(?i:{UNIT_WORDS})\.?\s?\d{{1,4}}\s?[A-Za-z]?")
# a part after the house number that is a flat ("3.º", "pta. 8", "bis 2")
_UNIT = re.compile(rf"(?:\d{{1,3}}\s?[.ºª°]*\s?[A-Za-z]?|(?:{UNIT_WORDS}|bis)\.?\s?[\dA-Za-zºª°.]{{1,5}}"
                   r"(?:\s?[A-Za-z])?)", re.I)


def _city(name: str) -> str:
    """"UTRECHT" (a postal line in capitals) -> "Utrecht"; other spellings as written."""
    return name.title() if name.isupper() and len(name) > 3 else name


# A street written after its house number, as in North America, Britain and Australia: a compass letter before
# the name ("2418 W Cortland St") or a street word after it ("1600 Amphitheatre Pkwy", "42 Harbour Road").
_NUMBERED_STREET = re.compile(r"^(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)\.?\s+\S|\s(?i:st|street|ave|avenue|rd|road|"
                              r"blvd|boulevard|dr|drive|ln|lane|way|ct|court|pl|place|pkwy|parkway|hwy|highway|ter|"
                              r"terrace|cir|circle|sq|square|crescent|cres|close|row|trail|walk)\.?$")


def _postal_city(part: str) -> tuple[str, str] | None:
    part = part.strip()
    for pat in POSTAL_PATTERNS:
        m = pat.search(part)
        if not m:
            continue
        rest = (part[:m.start()] + " " + part[m.end():]).strip(" ,-")
        if re.search(r"\d", rest) or len(rest.split()) > 4:
            continue
        if not part[:m.start()].strip() and _NUMBERED_STREET.search(rest):
            return None   # "2418 W Cortland St", "1600 Amphitheatre Pkwy": a house number before its street
        return m.group(0), rest
    return None


# ---- extractors -------------------------------------------------------------------------------------------------
LABEL_SKIP = {"subject", "date", "to", "cc", "bcc", "sent", "re", "fw", "fwd", "message-id", "reply-to",
              "received", "time", "tags", "tag", "category", "author", "organization-title", "note", "notes",
              "id", "type", "status", "version", "from", "attendees", "location", "language", "summary", "source"}
KNOWN_KEYS = set(AUTOCOMPLETE_TOKENS) | set(ALIASES) | set(SENSITIVE_KEYS) | {
    "iban", "ssn", "birthplace", "nationality", "citizenship", "religion", "hobby", "hobbies", "pronouns",
    "languages", "education", "school", "university", "degree", "children", "pet", "height", "allergies", "diet"}
PERSONAL_KEYS = {"hobby", "hobbies", "nickname", "pet-name", "blood-type", "shoe-size", "star-sign", "zodiac-sign",
                 "mother-tongue", "native-language", "middle-name", "maiden-name", "dog", "cat", "pet", "partner-name"}
LABEL_TITLES = {"job-title", "job", "occupation", "profession", "position"}
_LABEL_RE = re.compile(r"^[ \t>*\-•]*([A-Za-zÀ-ž][A-Za-zÀ-ž0-9 .'/()-]{0,38}?)[ \t]*[:=][ \t]*(\S.{0,200}?)[ \t]*$", re.M)


LABEL_ALIASES: dict[str, str] = {
    # German
    "vorname": "given-name", "nachname": "family-name", "familienname": "family-name", "geburtsdatum": "bday",
    "geboren am": "bday", "geb": "bday", "geburtstag": "bday", "geburtsort": "birthplace", "anschrift": "street-address",
    "adresse": "street-address", "strasse": "street-address", "straße": "street-address", "wohnort": "address-level2",
    "ort": "address-level2", "stadt": "address-level2", "plz": "postal-code", "postleitzahl": "postal-code",
    "land": "country-name", "telefon": "tel", "telefonnummer": "tel", "handy": "tel", "mobil": "tel",
    "mobilnummer": "tel", "e-mail-adresse": "email", "arbeitgeber": "organization", "firma": "organization",
    "unternehmen": "organization", "tätigkeit": "organization-title", "funktion": "organization-title",
    "berufsbezeichnung": "organization-title", "beruf": "organization-title", "stelle": "organization-title",
    "webseite": "url", "staatsangehörigkeit": "nationality", "mitarbeiter": "name", "mitarbeiterin": "name",
    "arbeitnehmer": "name", "arbeitnehmerin": "name",
    # French
    "prénom": "given-name", "prenom": "given-name", "nom": "family-name", "nom de famille": "family-name",
    "date de naissance": "bday", "né le": "bday", "née le": "bday", "lieu de naissance": "birthplace",
    "ville": "address-level2", "code postal": "postal-code", "pays": "country-name", "téléphone": "tel",
    "telephone": "tel", "portable": "tel", "courriel": "email", "employeur": "organization",
    "entreprise": "organization", "société": "organization", "poste": "organization-title",
    "emploi": "organization-title", "fonction": "organization-title", "salarié": "name", "salariée": "name",
    "nationalité": "nationality", "site web": "url",
    # Spanish
    "nombre": "name", "apellido": "family-name", "apellidos": "family-name", "fecha de nacimiento": "bday",
    "lugar de nacimiento": "birthplace", "dirección": "street-address", "direccion": "street-address",
    "domicilio": "street-address", "ciudad": "address-level2", "localidad": "address-level2",
    "código postal": "postal-code", "codigo postal": "postal-code", "país": "country-name", "teléfono": "tel",
    "telefono": "tel", "móvil": "tel", "movil": "tel", "correo": "email", "correo electrónico": "email",
    "empresa": "organization", "empleador": "organization", "puesto": "organization-title",
    "cargo": "organization-title", "categoría profesional": "organization-title",
    "categoria profesional": "organization-title", "puesto de trabajo": "organization-title", "empleado": "name", "empleada": "name", "trabajador": "name",
    "nacionalidad": "nationality",
    # Swedish
    "förnamn": "given-name", "efternamn": "family-name", "namn": "name", "födelsedatum": "bday",
    "födelsedag": "bday", "födelseort": "birthplace", "adress": "street-address", "gatuadress": "street-address",
    "postnummer": "postal-code", "postort": "address-level2", "stad": "address-level2", "telefonnummer ": "tel",
    "mobilnummer ": "tel", "e-post": "email", "epost": "email", "arbetsgivare": "organization",
    "företag": "organization", "befattning": "organization-title", "titel": "organization-title",
    "tjänst": "organization-title", "yrke": "organization-title", "anställd": "name",
    # English forms
    "employee": "name", "employee name": "name", "customer": "name", "customer name": "name",
    # the person a record is about: an insurer's, a practice's, a landlord's, a bank's
    "policyholder": "name", "policy holder": "name", "insured": "name", "insured person": "name", "patient": "name",
    "patient name": "name", "account holder": "name", "tenant": "name", "patientin": "name", "versicherte": "name",
    "versicherter": "name", "versicherungsnehmer": "name", "versicherungsnehmerin": "name", "mieter": "name",
    "mieterin": "name", "kontoinhaber": "name", "kontoinhaberin": "name", "assuré": "name", "assurée": "name",
    "souscripteur": "name", "titulaire": "name", "locataire": "name", "tomador": "name", "titular": "name",
    "asegurado": "name", "asegurada": "name", "paciente": "name", "arrendatario": "name", "assicurato": "name",
    "assicurata": "name", "contraente": "name", "intestatario": "name", "paziente": "name", "conduttore": "name",
    "verzekerde": "name", "verzekeringnemer": "name", "huurder": "name", "patiënt": "name", "rekeninghouder": "name",
    "försäkringstagare": "name", "försäkrad": "name", "hyresgäst": "name", "kontoinnehavare": "name",
    "subscriber": "name", "subscriber name": "name", "member name": "name", "insured name": "name",
    "versicherte person": "name", "assurée principale": "name", "assuré principal": "name", "arbetstagare": "name",
    # a new address the owner gives
    "new address": "street-address", "neue anschrift": "street-address", "neue adresse": "street-address",
    "nouvelle adresse": "street-address", "nueva dirección": "street-address", "nuevo domicilio": "street-address",
    "nuovo indirizzo": "street-address", "nieuw adres": "street-address", "ny adress": "street-address",
    "date of birth": "bday", "birth date": "bday", "place of birth": "birthplace", "employer": "organization",
    # date and place in one field: "29/07/1985 – RAVENNA (RA)" (the date is read out of it)
    "date and place of birth": "bday", "data e luogo di nascita": "bday", "date et lieu de naissance": "bday",
    "fecha y lugar de nacimiento": "bday", "geburtsdatum und -ort": "bday", "geburtsdatum/-ort": "bday",
    "datum en plaats van geboorte": "bday", "födelsedatum och ort": "bday",
    "mobile phone": "tel", "home phone": "tel", "private phone": "tel", "personal email": "email",
    "private email": "email", "private mail": "email", "private e-mail": "email", "work email": "email",
}
LABEL_ALIASES = {k.strip(): v for k, v in LABEL_ALIASES.items()}
# Labels of forms that name no fact about the person (the bank's code, the pay period, the payroll's number).
NOT_PROFILE_KEYS = {"bic", "swift", "pay-date", "pay-period", "tax-code", "employee-no", "employee-number",
                    "invoice-number", "invoice-date", "order-number", "customer-number", "account", "period"}
_SEGMENT_SPLIT = re.compile(r"\t+| {3,}| \| ")


def label_key(label: str) -> str:
    """The fact key a form label names ("Geburtsdatum" -> bday), or "" when it names none."""
    low = re.sub(r"\s+", " ", label.strip().strip(".").casefold())
    if low in LABEL_ALIASES:
        return LABEL_ALIASES[low]
    known = key_of_label(label)   # the form lexicon's languages (IT, NL, SV and the rest) and abbreviations
    if known and known not in NOT_PROFILE_KEYS and normalize_key(known) == known:
        return known
    slug = re.sub(r"[^a-z0-9]+", "-", low).strip("-")
    # address-book exports: "E-mail 1 - Value", "Phone 2 - Value", "Organization 1 - Title", "Home City"
    slug = re.sub(r"-\d+(?:-(?:value|formatted))?$", "", slug)
    m = re.fullmatch(r"(?:home|private|personal)-(street|city|postal-code|zip|zip-code|country|state|address)", slug)
    if m:
        slug = {"street": "street-address", "city": "address-level2", "zip": "postal-code", "zip-code": "postal-code",
                "country": "country-name", "state": "address-level1", "address": "street-address"}.get(m[1], m[1])
    if re.fullmatch(r"organi[sz]ation-\d+-name", slug):
        return "organization"
    if re.fullmatch(r"organi[sz]ation-\d+-title", slug):
        return "organization-title"
    if (re.search(r"-(?:type|label)$", slug) and slug != "blood-type") or re.fullmatch(r"(?:business|work|office)-.*", slug):
        return ""   # "Phone 1 - Type: Mobile"; a work address or phone is the employer's
    if re.fullmatch(r"(?:e-?mail|mail)(?:-address)?", slug):
        return "email"
    if re.fullmatch(r"(?:mobile|cell|home|private)?-?(?:phone|tel|telephone|mobile)(?:-number)?", slug):
        return "tel"
    if slug in LABEL_TITLES or slug in ("job-title", "position", "role"):
        return "organization-title"
    raw = normalize_key(slug)
    key = raw
    if raw in LABEL_SKIP or not key or slug in LABEL_SKIP or key in NOT_PROFILE_KEYS:
        return ""
    if key in KNOWN_KEYS:
        return key
    if "-" not in key or re.fullmatch(r"(?:[A-ZÀ-Ž][\w'-]*\s*){1,4}", label.strip()):
        return ""  # "Amara: see you at 8", "Anna Maria: dinner?" are chat lines, not profile fields
    return key if key.startswith("favorite-") or re.search(r"(?:^|-)(?:email|mail|phone|tel|mobile)(?:-|$)", key) else ""


def labelled_fields(text: str, confidence: float) -> list[Candidate]:
    """``Label: value`` lines (or columns of a line) whose label names a profile key."""
    out: list[Candidate] = []
    lines: list[str] = []
    for line in text.splitlines():
        row = line.split(" | ")
        if len(row) == 2 and ":" not in row[0] and len(row[0].split()) <= 5 and label_key(row[0]):
            line = f"{row[0].strip()}: {row[1].strip()}"   # a table's row: "Geburtsort | Winterthur ZH"
        segments = _SEGMENT_SPLIT.split(line) if _SEGMENT_SPLIT.search(line) else [line]
        for i, seg in enumerate(segments):   # "Födelseort:            Sundsvall": the gap after a label is no column
            if i and lines and lines[-1].rstrip().endswith(":"):
                lines[-1] = lines[-1].rstrip() + " " + seg
            else:
                lines.append(seg)
    for m in _LABEL_RE.finditer("\n".join(lines)):
        label, value = m.group(1).strip(), m.group(2).strip()
        if "http" in label.lower() or len(label.split()) > 6:   # "Data e luogo di nascita" has five words
            continue
        key = label_key(label)
        if not key:
            continue
        if key == "name" and len(value.split()) < 2:
            continue   # "Name: Novak" on a German form is the family name: too unsure
        out.extend(_typed(key, value, confidence, "label"))
    return out


_PLACE = re.compile(r"[A-ZÀ-Ž][\w'’.-]*(?:[ -](?:(?:am|an|im|upon|on|de|del|la|le|sur|en|i|di|of)[ -])?[A-ZÀ-Ž][\w'’.-]*){0,3}")
_ORG = re.compile(r"[A-ZÀ-Ž0-9][\w&'’.,+/-]*(?: [\w&'’.,+/()-]+){0,5}")
_SENTENCE = re.compile(r"[?!]|\b\d{1,2}[:.]\d{2}\b|^\w+:\s|\s(?:I|you|we|he|she|they|ich|du|wir|je|tu|nous|yo|jag)\s")


def valid_value(key: str, value: str) -> bool:
    """Whether ``value`` can be a value of ``key`` at all: a name is 1-4 capitalised words, a city a
    place-like token, a URL has a top-level domain, an e-mail is one; no sentence or chat line is."""
    if key in ("email",) or key.endswith("-email") or key.endswith("-mail"):
        return EMAIL_RE.fullmatch(value) is not None
    if key in ("url",) or key.endswith("-url") or key == "website":
        return re.fullmatch(r"(?:https?://)?(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,12}(?:[/?#]\S*)?", value, re.I) is not None
    if key in ("tel",) or key.endswith("-phone") or key.endswith("-tel"):
        return clean_phone(value) is not None
    if key in ("bday",) or key.endswith("-date"):
        return parse_date(value) is not None
    if key in ("given-name", "family-name", "additional-name", "nickname"):
        return re.fullmatch(r"[A-ZÀ-Ž][\w'’.-]*(?:[ -][A-ZÀ-Ž][\w'’.-]*){0,2}", value) is not None
    if key in ("name", "partner-name", "pet-name") or key.endswith("-name"):
        return re.fullmatch(r"[A-ZÀ-Ž][\w'’.-]*(?:\s+(?:(?:van|von|de|del|da|di|le|la|af|der|den)\s+)?[A-ZÀ-Ž][\w'’.-]*){0,3}", value) is not None
    if key in ("address-level2", "address-level1", "birthplace", "country-name"):
        return _PLACE.fullmatch(value) is not None and not re.search(r"\d", value)
    if key == "street-address":
        return ":" not in value and bool(re.search(r"\d", value)) and bool(re.search(r"[^\W\d_]{3}", value)) \
            and not _SENTENCE.search(value) and len(value.split()) <= 8
    if key == "postal-code":
        return bool(re.search(r"\d", value)) and len(value) <= 10
    if key == "organization":
        return _ORG.fullmatch(value) is not None and not _SENTENCE.search(value) and len(value) <= 80
    if key == "organization-title":
        return len(value.split()) <= 6 and not _SENTENCE.search(value) and not re.search(r"\d{3}", value)
    return not _SENTENCE.search(value)


_NOT_NAMES = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "tomorrow",
              "tonight", "later", "anytime", "back", "soon", "maybe", "please", "again", "asap", "everyone", "anyone",
              "january", "february", "march", "april", "june", "july", "august", "september", "october",
              "november", "december", "home", "work", "mum", "mom", "dad", "sir", "madam"}


def _typed(key: str, value: str, conf: float, rule: str, change: bool = False) -> list[Candidate]:
    """Validate and split one value for ``key`` (addresses into parts, names into given/family)."""
    if key in ("address-level2", "birthplace") and value.strip().strip(".").casefold() in COUNTRIES:
        key = "country-name" if key == "address-level2" else key   # "I live in Germany"
    out = [c for c in _typed_raw(key, value, conf, rule, change) if valid_value(c.key, c.value)]
    if key in ("national-id", "tax-id") and out and (born := birth_date_of_id(value)):
        out.append(Candidate("bday", born, conf * 0.9, f"{rule}-{key}"))   # "Personnummer: 19900614-2384"
    if key in ("nickname", "partner-name", "given-name", "name"):
        out = [c for c in out if not any(w.casefold() in _NOT_NAMES for w in c.value.split())]
    return out


_ABBREV_END = re.compile(r"(?:\b[A-Za-z]\.[A-Za-z]\.|\b(?:Inc|Ltd|Co|Corp|Bros|Jr|Sr|St|Str|Dr)\.)$")


def _typed_raw(key: str, value: str, conf: float, rule: str, change: bool = False) -> list[Candidate]:
    value = value.strip().strip("\"'")
    value = value.rstrip(";,") if _ABBREV_END.search(value.rstrip(";,")) else value.rstrip(".;,")
    if not value or len(value) > 160 or value.casefold() in ("none", "n/a", "na", "-", "unknown", "tbd", "?", "no", "yes"):
        return []
    if key == "email":
        m = EMAIL_RE.search(value)
        return [Candidate("email", m.group(0), conf, rule, change)] if m else []
    if key == "tel":
        v = clean_phone(value)
        return [Candidate("tel", v, conf, rule, change)] if v else []
    if key == "url":
        m = URL_RE.search(value) or re.search(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/\S*)?", value, re.I)
        return [Candidate("url", m.group(0).rstrip(".,;)"), conf, rule, change)] if m else []
    if "mail" in key and key != "email":
        m = EMAIL_RE.search(value)
        return [Candidate("email", m.group(0), conf * 0.8, rule, change)] if m else []
    if key.endswith(("-phone", "-tel")) or key in ("mobile-phone", "home-phone", "work-phone"):
        v = clean_phone(value)
        return [Candidate("tel", v, conf * 0.8, rule, change)] if v else []
    if key == "bday":
        d = parse_date(value)
        return [Candidate("bday", d, conf, rule, change)] if d else []
    if key == "street-address":
        parts = parse_address(value)
        for c in parts:
            c.confidence, c.rule, c.change = conf, rule, change
        return parts
    if key == "name":
        value = normal_name(value)   # "Hofstetter, Miriam" -> "Miriam Hofstetter"
        if not (NAME_RE.fullmatch(value) or re.fullmatch(r"[A-ZÀ-Ž][\w'.-]*(?:\s+[A-ZÀ-Ž][\w'.-]*){0,3}", value)):
            return []
        out = [Candidate("name", value, conf, rule, change)]
        for c in split_name(value):
            c.confidence, c.rule = conf * 0.9, rule
            out.append(c)
        return out
    if key in NAME_LIKE and key != "organization" and not re.fullmatch(r"[A-ZÀ-Ž][\w'.-]*(?:\s+[A-ZÀ-Ž][\w'.-]*){0,3}", value):
        return []
    if key == "iban":
        return [Candidate("iban", value, conf, rule, change)] if looks_like_iban(value) else []
    if key == "cc-number":
        return [Candidate("cc-number", value, conf, rule, change)] if looks_like_card(value) else []
    if key == "postal-code":
        pc = _postal_city(value)
        return [Candidate("postal-code", pc[0], conf, rule, change)] if pc else []
    if key.endswith("-number") or key in ("ssn", "tax-id", "national-id", "driver-license"):
        m = re.match(r"[A-Z0-9][A-Z0-9 -]{3,30}[A-Z0-9]", value.upper())
        if not m or not re.search(r"\d", m.group(0)):
            return []
        value = value[:m.end()]
    if len(value.split()) > 8:
        return []
    return [Candidate(key, value, conf, rule, change)]


_NAME = r"([A-ZÀ-Ž][\w'-]+(?:\s+[A-ZÀ-Ž][\w'-]+){0,3})"
# a written date: "22.09.1986", "29/07/1985", "1990-06-14", "14 May 1991", "17 de abril de 1992", "May 14, 1991"
DATE_TEXT = r"((?:\d{1,2}[./-]\s?\d{1,2}[./-]\s?(?:\d{4}|\d{2}))|(?:\d{4}-\d{2}-\d{2})|(?:\d{1,2}(?:st|nd|rd|th|er)?\.?\s+(?:of\s+|de\s+)?[A-Za-zÀ-ÿ]{3,10}\.?,?\s+(?:de\s+)?\d{4})|(?:[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}))"
_PHONE = r"(\+?[\d][\d ()./-]{5,20}\d)"
_PHRASE = r"([^\n.;!?]{2,80}?)"
_END = r"(?=\s*(?:[.;!?\n(]|,\s|\s+(?:and|but|since|because|which|where|so)\b|$))"
FIRST_PERSON: list[tuple[re.Pattern[str], str, float, bool]] = [
    (re.compile(rf"\b(?i:my) (?:full )?name is {_NAME}"), "name", 0.9, False),
    (re.compile(rf"\b(?:I'm|I am) called {_NAME}|\b(?i:call me) {_NAME}"), "nickname", 0.6, False),
    (re.compile(rf"\b(?:I was born|born) on {_PHRASE}{_END}", re.I), "bday", 0.9, False),
    (re.compile(rf"\b(?i:my) (?:birthday|date of birth) is {_PHRASE}{_END}", re.I), "bday", 0.9, False),
    (re.compile(rf"\bI was born in {_NAME}"), "birthplace", 0.7, False),
    (re.compile(rf"\bI (?:have )?(?:just |recently )?(?:moved|relocated) to {_NAME}"), "address-level2", 0.9, True),
    (re.compile(rf"\bI (?:now )?live in {_NAME}"), "address-level2", 0.75, False),
    (re.compile(rf"\bI (?:now )?live at {_PHRASE}(?=\s*(?:[.;!?\n]|$))"), "street-address", 0.8, False),
    (re.compile(rf"\b(?i:my) (?:home |postal )?address is {_PHRASE}(?=\s*(?:[.;!?\n]|$))", re.I), "street-address", 0.9, False),
    (re.compile(rf"\b(?i:my) new address is {_PHRASE}(?=\s*(?:[.;!?\n]|$))", re.I), "street-address", 0.95, True),
    (re.compile(rf"\bI (?:now )?work (?:at|for) {_NAME}"), "organization", 0.8, False),
    (re.compile(rf"\bI(?: have|'ve)? (?:just )?(?:joined|started (?:a new job )?at) {_NAME}"), "organization", 0.85, True),
    (re.compile(rf"\b(?i:my) (?:new )?(?:employer|company) is {_NAME}"), "organization", 0.85, False),
    (re.compile(rf"\bI (?:work|am working) as an? {_PHRASE}(?=\s+(?:at|for|in)\b|{_END})"), "organization-title", 0.8, False),
    (re.compile(r"\b(?:I'm|I am) an? ([a-z][\w -]{2,40}?) (?:at|for) [A-Z]"), "organization-title", 0.75, False),
    (re.compile(rf"\bI (?:now )?work (?:at|for) [^.\n]{{1,60}}? as an? {_PHRASE}{_END}"), "organization-title", 0.8, False),
    (re.compile(rf"\b(?:I'm|I am|I work as|I'm working as) an? ((?:[a-z]+ )?(?:{'|'.join(sorted(PROFESSIONS))}))\b"), "organization-title", 0.7, False),
    (re.compile(rf"\b(?:I'm|I am|I work as) an? [a-z][\w -]{{2,40}}? (?:at|for) {_NAME}"), "organization", 0.75, False),
    (re.compile(rf"\b(?i:my) (?:job title|position|role) is {_PHRASE}{_END}", re.I), "organization-title", 0.85, False),
    (re.compile(rf"\b(?i:my) (?:wife|husband|partner|spouse|girlfriend|boyfriend)(?:'s name is|,| is called| is)? {_NAME}"), "partner-name", 0.8, False),
    (re.compile(rf"\b(?i:my) (?:dog|cat|pet|horse|rabbit|parrot)(?:'s name is| is called| is named) {_NAME}"), "pet-name", 0.8, False),
    (re.compile(rf"\bI was born (?:on |in )?[^\n]{{0,30}}?\d{{4}} in {_NAME}"), "birthplace", 0.7, False),
    (re.compile(rf"\b(?i:we) (?:have )?(?:just |recently |finally )?(?:moved|relocated) to {_NAME}"), "address-level2", 0.85, True),
    (re.compile(rf"\bI(?:'m| am) allergic to {_PHRASE}{_END}", re.I), "allergy", 0.8, False),
    (re.compile(rf"\b(?i:my) passport (?:number|no\.?) is {_PHRASE}{_END}", re.I), "passport-number", 0.95, False),
    # dates with dots, and the same statements in German, French, Spanish and Swedish
    (re.compile(rf"\b(?:I was born|[Bb]orn) on {DATE_TEXT}"), "bday", 0.9, False),
    (re.compile(rf"\b(?:[Ii]ch bin am {DATE_TEXT} geboren|[Ii]ch wurde am {DATE_TEXT} geboren|[Gg]eboren am {DATE_TEXT})"), "bday", 0.9, False),
    (re.compile(rf"\b(?:[Jj]e suis née? le|[Nn]ée? le) {DATE_TEXT}"), "bday", 0.9, False),
    (re.compile(rf"\b(?:[Nn]ací el|[Nn]acid[oa] el) {DATE_TEXT}"), "bday", 0.9, False),
    (re.compile(rf"\b(?:[Jj]ag (?:föddes|är född)(?: den)?|[Ff]ödd(?: den)?) {DATE_TEXT}"), "bday", 0.9, False),
    (re.compile(rf"\b(?:[Jj]e suis née? à|[Nn]ací en|[Jj]ag (?:föddes|är född) i) {_NAME}"), "birthplace", 0.7, False),
    (re.compile(r"\b(?:[Ii]ch bin|[Ii]ch wurde)(?: \d{4}| am \d{1,2}\.\s?\d{1,2}\.\s?\d{4}| am [^\n.]{3,20})?\s+in\s+([A-ZÀ-Ž][\w'-]+(?:[ -][A-ZÀ-Ž][\w'-]+)?)\s+geboren"), "birthplace", 0.75, False),
    (re.compile(rf"\b(?:[Ii]ch bin|[Ii]ch wurde) am {DATE_TEXT} in [A-ZÀ-Ž][\w'-]+(?:[ -][A-ZÀ-Ž][\w'-]+)? geboren"), "bday", 0.9, False),
    (re.compile(rf"\b(?:[Ii]ch |[Ww]ir )?(?:wohne|lebe|wohnen|leben)(?: jetzt| seit \w+)? in {_NAME}"), "address-level2", 0.75, False),
    (re.compile(rf"\b(?:[Bb]orn|geboren|[Nn]ée?|[Nn]ací|nacid[oa]|föddes|född)\b[^.\n]{{0,40}}?\d{{4}},? (?:in|à|en|i) {_NAME}"), "birthplace", 0.7, False),
    (re.compile(rf"\b(?:[Ii]ch bin|[Ww]ir sind)(?: jetzt| gerade| endlich)? nach {_NAME} (?:gezogen|umgezogen)"), "address-level2", 0.9, True),
    (re.compile(rf"\b(?:[Jj]'habite|[Jj]e vis|[Nn]ous habitons|[Nn]ous vivons)(?: maintenant)? (?:à|a|en) {_NAME}"), "address-level2", 0.75, False),
    (re.compile(rf"\b(?:[Jj]e viens de déménager|[Nn]ous venons de déménager|[Jj]'ai déménagé|[Nn]ous avons déménagé) (?:à|a|en) {_NAME}"), "address-level2", 0.9, True),
    (re.compile(rf"\b(?:[Vv]ivo|[Vv]ivimos)(?: ahora)? en {_NAME}"), "address-level2", 0.75, False),
    (re.compile(rf"\b(?:[Mm]e mudé|[Nn]os mudamos|[Nn]os hemos mudado|[Mm]e he mudado) a {_NAME}"), "address-level2", 0.9, True),
    (re.compile(rf"\b(?:[Jj]ag bor|[Vv]i bor)(?: nu)? i {_NAME}"), "address-level2", 0.75, False),
    (re.compile(r"\b(?:[Jj]'habite|[Jj]’habite|[Nn]ous habitons)(?: maintenant)? (?:au |à |a )?(\d{1,4}(?: ?bis)?,? (?:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai|route)[^\n.;!?]{2,60})"), "street-address", 0.8, False),
    (re.compile(r"\b(?:[Ii]ch wohne|[Ww]ir wohnen)(?: jetzt)? (?:in der |in |am |an der )?([A-ZÄÖÜ][\wäöüß.-]*(?:stra(?:ß|ss)e|str\.|weg|gasse|platz|allee|ring|damm|ufer)\s+\d{1,4}\s?[a-z]?(?:,\s*\d{5}\s+[A-ZÄÖÜ][\wäöüß-]+(?:\s+[a-zA-Z][\wäöüß-]+){0,2})?)"), "street-address", 0.8, False),
    (re.compile(r"\b(?:[Vv]ivo|[Vv]ivimos)(?: ahora)? en (?:la |el )?((?:calle|c/|avenida|avda\.?|plaza|paseo|camino)\s[^\n.;!?]{2,40}?\d{1,4}[^\n.;!?]{0,40})"), "street-address", 0.8, False),
    (re.compile(r"\b(?:[Jj]ag bor|[Vv]i bor)(?: nu)? på ([A-ZÅÄÖ][\wåäö-]*(?:gatan|vägen|gränd|torget|stigen|allén|backen)\s+\d{1,4}[A-Z]?(?:,\s*\d{3}\s?\d{2}\s+[A-ZÅÄÖ][\wåäö-]+)?)"), "street-address", 0.8, False),
    (re.compile(rf"\b(?:[Jj]ag|[Vv]i)(?: har)? (?:flyttade|flyttat) till {_NAME}"), "address-level2", 0.9, True),
    (re.compile(rf"\b(?:[Ii]ch arbeite(?: als \w+)? bei|[Jj]e travaille chez|[Jj]e travaille pour|[Tt]rabajo en|[Tt]rabajo para|[Jj]ag (?:jobbar|arbetar) (?:på|för|hos)) {_NAME}"), "organization", 0.8, False),
    (re.compile(rf"\b(?:[Ii]ch arbeite als|[Jj]e travaille comme|[Jj]e suis|[Tt]rabajo como|[Ss]oy|[Jj]ag (?:jobbar|arbetar) som) ((?:[a-zà-ÿ]+ )?(?i:{'|'.join(sorted(PROFESSIONS_INTL))}))\b"), "organization-title", 0.75, False),
    # Italian and Dutch
    (re.compile(rf"\b(?:[Ss]ono nat[oa]|[Nn]at[oa]) il {DATE_TEXT}"), "bday", 0.9, False),
    (re.compile(rf"\b(?:[Ii]k ben (?:op )?{DATE_TEXT} geboren|[Gg]eboren op {DATE_TEXT})"), "bday", 0.9, False),
    (re.compile(rf"\b[Ss]ono nat[oa] (?:a|in) {_NAME}"), "birthplace", 0.7, False),
    (re.compile(rf"\b[Ss]ono nat[oa] (?:all'|al |nell'|nel |presso l'|presso )ospedale[^.]{{0,40}}?\s(?:di|a)\s+{_NAME}"), "birthplace", 0.7, False),
    (re.compile(rf"\b[Ii]k ben (?:geboren(?: en getogen)?|opgegroeid en geboren) (?:in|te) {_NAME}"), "birthplace", 0.7, False),
    # the place before the day, in every language: "I was born in Lancaster on 14 May 1991", "geboren te Aalst op …"
    (re.compile(rf"\b(?:I was born|[Jj]e suis née?|[Nn]ací|[Ss]ono nat[oa]|[Ii]k ben geboren|[Jj]ag (?:föddes|är född)) "
                rf"(?:in|à|en|a|te|i) [A-ZÀ-Ž][\w'-]+(?:[ -][A-ZÀ-Ž][\w'-]+){{0,2}},? (?:on |le |el |il |op |den )?{DATE_TEXT}"),
     "bday", 0.9, False),
    (re.compile(r"\b([A-ZÀ-Ž][\w'-]+(?:[ -][A-ZÀ-Ž][\w'-]+)?),?\s*\(?(?:where I was born|wo ich geboren|où je suis née?|"
                r"donde nací|dove sono nat[oa]|waar ik (?:ben )?geboren|där jag (?:föddes|är född))\b"), "birthplace", 0.7, False),
    (re.compile(rf"\b(?:[Aa]bito|[Vv]ivo|[Aa]bitiamo|[Vv]iviamo)(?: ora| adesso)? (?:a|ad) {_NAME}"), "address-level2", 0.75, False),
    (re.compile(rf"\b(?:[Mm]i sono trasferit[oa]|[Cc]i siamo trasferiti) (?:a|ad) {_NAME}"), "address-level2", 0.9, True),
    (re.compile(r"\b(?:[Aa]bito|[Vv]ivo|[Aa]bitiamo|[Vv]iviamo)(?: ora| adesso| da oggi)? in ((?:via|viale|piazza|corso|vicolo|largo|strada) [^\n.;!?,]{2,40}?\d{1,4}[A-Za-z]?)\b"), "street-address", 0.8, False),
    (re.compile(rf"\b(?:[Ll]avoro (?:presso|per|da|alla|al|nella|nel)) {_NAME}"), "organization", 0.8, False),
    (re.compile(rf"\b(?:[Ii]k|[Ww]ij|[Ww]e) (?:woon|wonen)(?: nu| sinds \w+)? in {_NAME}"), "address-level2", 0.75, False),
    (re.compile(rf"\b(?:[Ii]k ben|[Ww]ij zijn|[Ww]e zijn)(?: net| eindelijk)? verhuisd naar {_NAME}"), "address-level2", 0.9, True),
    (re.compile(r"\b(?:[Ii]k woon|[Ww]ij wonen|[Ww]e wonen)(?: nu)? (?:aan de |op de |op |aan )?([A-Z][\w.-]*(?:straat|weg|laan|plein|gracht|kade|singel|dijk|steeg|hof)\s+\d{1,4}\s?[a-zA-Z]?)"), "street-address", 0.8, False),
    (re.compile(rf"\b[Ii]k werk (?:bij|voor) {_NAME}"), "organization", 0.8, False),
    (re.compile(rf"\b(?i:mio marito|mia moglie|il mio compagno|la mia compagna|il mio ragazzo|la mia ragazza|mijn vrouw|"
                rf"mijn man|mijn vriendin|mijn vriend|mijn partner|min fru|min man|min sambo|min flickvän|min pojkvän) {_NAME}"),
     "partner-name", 0.8, False),
    (re.compile(r"\b(?i:(?:my|mijn|mein|meine|mon|ma|mi|il mio|la mia|min|mitt) (?:personal |own |eigen |persönliche )?"
                r"(?:website|web site|site|homepage|portfolio|blog|webpagina|webseite|sito(?: web)?|sitio(?: web)?|hemsida)"
                r"|portfolio)\b[^\n.]{0,25}?((?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:!?])"), "url", 0.75, False),
    (re.compile(rf"\b(?i:il mio (?:numero(?: di (?:telefono|cellulare))?|cellulare)|mijn (?:telefoon|mobiele )?nummer|"
                rf"mijn 06) (?i:è|e|is):? ({_PHONE})"), "tel", 0.9, False),
    (re.compile(rf"\b(?i:my (?:mobile |cell |phone |telephone )?(?:number|phone)|meine (?:handy|telefon|mobil)nummer|"
                rf"mon (?:numéro(?: de (?:téléphone|portable))?|portable)|mi (?:número(?: de (?:teléfono|móvil))?|móvil|teléfono)|"
                rf"mitt (?:mobil|telefon)?nummer) (?i:is|ist|est|es|är|lautet)(?: le)?:? ({_PHONE})"), "tel", 0.9, False),
]
_MY_GENERIC = re.compile(rf"\b(?i:my) ((?:favou?rite |new )?[a-z][a-z -]{{1,30}}?) (?:is|are) {_PHRASE}{_END}")
GENERIC_SKIP = {"name", "point", "guess", "question", "problem", "idea", "plan", "bad", "fault", "pleasure", "goal",
                "concern", "issue", "answer", "opinion", "view", "feeling", "sense", "hope", "worry", "advice",
                "understanding", "impression", "suggestion", "main", "only", "day", "week", "life", "head",
                "computer", "phone", "laptop", "car", "code", "test", "favorite", "favourite", "job", "work",
                "new", "dream", "mind", "heart", "time", "turn", "bet", "take", "reason", "experience", "team"}
_CONTACT_CTX = re.compile(r"\b(?:my|reach me|contact me|write to me|call me|text me)\b[^\n.]{0,40}$", re.I)


def first_person(text: str, confidence_scale: float = 1.0) -> list[Candidate]:
    """Statements the writer makes about themselves ("my name is", "I live in", "my X is Y")."""
    out: list[Candidate] = []
    taken: set[str] = set()
    for pat, key, conf, change in FIRST_PERSON:
        for m in pat.finditer(text):
            value = next(g for g in m.groups() if g)
            if re.match(r"['’]s\b", text[m.end():m.end() + 3]) or re.search(r"['’]s$", value):
                continue   # "my partner Callum's parents": the sentence is about someone else
            hits = _typed(key, value, conf * confidence_scale, "first-person", change)
            if key == "name":
                hits = [c for c in hits if c.key != "name" or len(c.value.split()) >= 2] or hits
            out.extend(hits)
            taken.update(c.key for c in hits)
    for m in _MY_GENERIC.finditer(text):
        label, value = m.group(1).strip(), m.group(2).strip()
        key = normalize_key(re.sub(r"^new ", "", label.lower()))
        head = label.lower().split()[-1]
        if head in GENERIC_SKIP and not label.lower().startswith(("favorite ", "favourite ")) or key in taken:
            continue
        if key in ("email", "tel", "url", "street-address", "bday", "name", "organization", "iban", "cc-number",
                   "passport-number", "postal-code", "partner-name", "address-level2", "organization-title"):
            out.extend(_typed(key, value, 0.85 * confidence_scale, "first-person", label.lower().startswith("new ")))
        elif len(value.split()) <= 5 and (key.startswith("favorite-") or key in KNOWN_KEYS or key in PERSONAL_KEYS) \
                and valid_value(key, value):
            # "my budget is 500 euros", "my flight is at 9" are no profile facts: only personal keys are taken
            out.append(Candidate(key, value, 0.6 * confidence_scale, "my-x-is-y", label.lower().startswith("new ")))
    for m in EMAIL_RE.finditer(text):
        if _CONTACT_CTX.search(text[max(0, m.start() - 60):m.start()]):
            out.append(Candidate("email", m.group(0), 0.85 * confidence_scale, "contact"))
    out += [Candidate(DIET_KEY, diet, 0.8 * confidence_scale, "diet") for diet in stated_diets(text)]
    return out


def bare_patterns(text: str, confidence: float) -> list[Candidate]:
    """E-mails, phones, IBANs and card numbers anywhere in the user's own documents (weak evidence alone;
    the fact store adds it up across documents)."""
    out = [Candidate("email", m.group(0), confidence, "bare") for m in EMAIL_RE.finditer(text)]
    numbers = [m.span() for m in IBAN_RE.finditer(text)] + [m.span() for m in CARD_RE.finditer(text)]
    for m in PHONE_RE.finditer(text):
        if any(a <= m.start() < b or a < m.end() <= b for a, b in numbers):
            continue
        v = clean_phone(m.group(0))
        if v and ("+" in v or " " in v or "-" in v or "/" in v) and not looks_like_card(v):
            out.append(Candidate("tel", v, confidence * 0.8, "bare"))
    for line in text.splitlines():
        if EMAIL_RE.search(line) and len(line) < 160:   # a contact line: "(503) 555-0182 | me@x.com | me.dev"
            rest = EMAIL_RE.sub(" ", line)
            for m in re.finditer(r"(?:https?://)?(?:www\.)?\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,12}\b(?:/[^\s|,;]*)?", rest, re.I):
                out.append(Candidate("url", m.group(0), 0.5, "contact-line"))
    for m in IBAN_RE.finditer(text):
        if looks_like_iban(m.group(0)):
            out.append(Candidate("iban", m.group(0), max(confidence, 0.6), "bare"))
    for m in CARD_RE.finditer(text):
        if looks_like_card(m.group(0)):
            out.append(Candidate("cc-number", m.group(0).strip(), max(confidence, 0.6), "bare"))
    return out


def mail_headers(text: str, confidence: float) -> list[Candidate]:
    """``From: Jane Doe <jane@example.org>`` in mail the user sent."""
    out: list[Candidate] = []
    m = re.search(r"^From:\s*\"?([^\"<\n]*?)\"?\s*<([^>\n]+)>", text, re.M)
    if m:
        out.extend(_typed("email", m.group(2), confidence, "mail-from"))
        if m.group(1).strip():
            out.extend(_typed("name", m.group(1).strip(), confidence * 0.8, "mail-from"))
    return out


def from_vcard(card: dict[str, Any], confidence: float) -> list[Candidate]:
    """The fields of the user's own vCard: a card as ``read_cards`` gives it (``meta["vcard"]`` of an imported
    contact, or ``parse_vcard``)."""
    out: list[Candidate] = []

    def first(v: Any) -> str:
        if isinstance(v, (list, tuple)):
            v = v[0] if v else ""
        return str(v or "").strip()

    if first(card.get("fn")):
        out.extend(_typed("name", first(card.get("fn")), confidence, "vcard"))
    n = card.get("n")
    if isinstance(n, dict):
        if n.get("given"):
            out.append(Candidate("given-name", str(n["given"]).strip(), confidence, "vcard"))
        if n.get("family"):
            out.append(Candidate("family-name", str(n["family"]).strip(), confidence, "vcard"))
    simple = {"email": "email", "tel": "tel", "url": "url", "bday": "bday", "title": "organization-title"}
    for field, key in simple.items():
        if first(card.get(field)):
            out.extend(_typed(key, first(card.get(field)), confidence, "vcard"))
    org = first(card.get("org_units")) or first(card.get("org"))   # "Acme", not "Acme R&D"
    if org:
        out.append(Candidate("organization", org, confidence, "vcard"))
    adrs = card.get("adr")
    adr = adrs[0] if isinstance(adrs, list) and adrs else None
    if isinstance(adr, dict):
        names = {"street": "street-address", "locality": "address-level2", "region": "address-level1",
                 "postal_code": "postal-code", "country": "country-name"}
        for field, key in names.items():
            if str(adr.get(field) or "").strip():
                out.append(Candidate(key, str(adr[field]).strip(), confidence, "vcard"))
    return [c for c in out if c.value]


def parse_vcard(text: str) -> list[dict[str, Any]]:
    """The cards in raw vCard text (a message or a note), read by the contacts importer's reader."""
    return read_cards(text)[0]


def extract_rules(text: str, is_self: bool, is_mail: bool = False) -> list[Candidate]:
    """Every rule's candidates for one text. ``is_self``: the user wrote it or marked it as theirs."""
    out: list[Candidate] = []
    if "BEGIN:VCARD" in text.upper() and is_self:
        for card in parse_vcard(text)[:1]:
            out.extend(from_vcard(card, 0.95))
        return out
    scale = 1.0 if (is_self or not is_mail) else 0.3
    out.extend(first_person(text, scale))
    if is_self:
        out.extend(labelled_fields(text, 0.8))
        out.extend(mail_headers(text, 0.6))
        out.extend(bare_patterns(text, 0.25))
    return out


def dedupe(cands: Iterable[Candidate]) -> list[Candidate]:
    """One candidate per (key, value), keeping the most confident and any change flag."""
    best: dict[tuple[str, str], Candidate] = {}
    for c in cands:
        k = (c.key, c.value.casefold())
        if k not in best or c.confidence > best[k].confidence:
            best[k] = Candidate(c.key, c.value, c.confidence, c.rule, c.change or (k in best and best[k].change))
        elif c.change:
            best[k].change = True
    return list(best.values())
