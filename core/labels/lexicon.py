"""What form labels mean: synonyms of the profile keys in EN, DE, FR, ES here, IT, NL, SV in ``synonyms_more``.

Facts are keyed on HTML ``autocomplete`` tokens, so a form that carries the attribute
needs no lexicon; every other form is matched through these phrases (normalised:
lower case, accents folded, punctuation and camelCase split into words). The lists of
field types that are never filled and of sensitive keys live here too, in one place.
"""
from __future__ import annotations

import re
import unicodedata

from core.labels.synonyms_more import MORE_NEVER, MORE_OTHER_PERSON, MORE_SYNONYMS

# ---- normalisation ------------------------------------------------------------------------------
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NONWORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower case, accents removed, ß → ss."""
    text = text.replace("ß", "ss").replace("ẞ", "ss")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def normalize(text: str) -> str:
    """``"E-Mail-Adresse *"`` → ``"e mail adresse"``; ``"firstName"`` → ``"first name"``."""
    text = _CAMEL.sub(" ", text or "")
    return " ".join(_NONWORD.sub(" ", fold(text)).split())


# ---- the keys autofill knows, with their phrases ---------------------------------------------
# Each key: phrases in EN / DE / FR / ES. Longer phrases win over shorter ones they contain.
SYNONYMS: dict[str, list[str]] = {
    "name": ["name", "full name", "your name", "complete name", "name and surname", "first and last name",
             "vollstandiger name", "vor und nachname", "vor und zuname", "ihr name",
             "nom complet", "prenom et nom", "nom et prenom", "votre nom",
             "nombre completo", "nombre y apellidos", "su nombre", "tu nombre", "nombre y apellido"],
    "honorific-prefix": ["title", "salutation", "honorific", "prefix", "anrede", "titre", "civilite",
                         "tratamiento", "titulo", "saludo"],
    "given-name": ["first name", "given name", "forename", "fname", "firstname", "christian name",
                   "vorname", "rufname", "prenom", "nombre", "nombre de pila", "nombres"],
    "additional-name": ["middle name", "middle initial", "second name", "zweiter vorname", "deuxieme prenom",
                        "segundo nombre"],
    "family-name": ["last name", "surname", "family name", "lname", "lastname",
                    "nachname", "familienname", "zuname", "nom", "nom de famille",
                    "apellido", "apellidos", "primer apellido"],
    "nickname": ["nickname", "spitzname", "surnom", "apodo"],
    "email": ["email", "e mail", "email address", "e mail address", "mail", "mail address",
              "e mail adresse", "emailadresse", "mailadresse", "courriel", "adresse e mail", "adresse electronique",
              "correo", "correo electronico", "direccion de correo", "direccion de correo electronico", "correo e"],
    "tel": ["phone", "telephone", "phone number", "telephone number", "mobile", "mobile phone", "cell",
            "cell phone", "mobile number", "tel", "contact number",
            "telefon", "telefonnummer", "handy", "handynummer", "mobilnummer", "mobiltelefon", "rufnummer",
            "telephone portable", "portable", "numero de telephone", "mobile", "tel portable",
            "telefono", "numero de telefono", "movil", "celular", "telefono movil"],
    "street-address": ["address", "street address", "street", "street and number", "street and house number",
                       "address line", "home address", "postal address", "mailing address",
                       "adresse", "strasse", "strasse und hausnummer", "anschrift", "strasse hausnummer",
                       "strasse nr", "wohnadresse", "adresse postale", "rue", "numero et rue", "adresse domicile",
                       "direccion", "calle", "calle y numero", "domicilio", "direccion postal"],
    "address-line1": ["address line 1", "address 1", "street line 1", "adresszeile 1", "adresse ligne 1",
                      "direccion linea 1", "linea de direccion 1"],
    "address-line2": ["address line 2", "address 2", "apartment", "suite", "apt", "adresszusatz",
                      "adresszeile 2", "complement d adresse", "adresse ligne 2", "direccion linea 2", "piso", "apartamento"],
    "address-level2": ["city", "town", "locality", "city town", "stadt", "ort", "wohnort", "ortschaft",
                       "ville", "localite", "commune", "ciudad", "localidad", "municipio", "poblacion"],
    "address-level1": ["state", "province", "region", "county", "state province", "bundesland", "kanton",
                       "etat", "departement", "provincia", "estado", "comunidad autonoma"],
    "postal-code": ["zip", "zip code", "postal code", "postcode", "post code", "zipcode",
                    "plz", "postleitzahl", "code postal", "cp", "codigo postal", "c p"],
    "country-name": ["country", "nation", "country of residence", "land", "staat", "wohnsitzland",
                     "pays", "pays de residence", "pais", "pais de residencia"],
    "bday": ["date of birth", "birth date", "birthday", "birthdate", "dob", "born on", "born",
             "geburtsdatum", "geburtstag", "geboren am", "date de naissance", "ne le", "nee le", "ne e le",
             "fecha de nacimiento", "nacimiento", "fecha nacimiento"],
    "bday-day": ["birth day", "day of birth", "geburtstag tag", "jour de naissance", "dia de nacimiento"],
    "bday-month": ["birth month", "month of birth", "geburtsmonat", "mois de naissance", "mes de nacimiento"],
    "bday-year": ["birth year", "year of birth", "geburtsjahr", "annee de naissance", "ano de nacimiento"],
    "organization": ["company", "organization", "organisation", "employer", "company name", "business name",
                     "firma", "unternehmen", "arbeitgeber", "firmenname", "organisation",
                     "entreprise", "societe", "employeur", "nom de l entreprise",
                     "empresa", "organizacion", "nombre de la empresa", "compania", "empleador"],
    "organization-title": ["job title", "position", "title at work", "role", "occupation", "profession",
                           "job", "current position",
                           "beruf", "berufsbezeichnung", "position", "stelle", "taetigkeit", "tatigkeit", "funktion",
                           "poste", "fonction", "metier", "intitule du poste",
                           "cargo", "puesto", "profesion", "ocupacion", "puesto de trabajo"],
    "url": ["website", "web site", "homepage", "url", "web page", "personal website", "webseite", "internetseite",
            "site web", "site internet", "sitio web", "pagina web"],
    "sex": ["gender", "sex", "geschlecht", "sexe", "genre", "sexo", "genero"],
    "language": ["language", "preferred language", "sprache", "langue", "idioma", "lengua"],
    "username": ["username", "user name", "login", "benutzername", "nom d utilisateur", "identifiant",
                 "nombre de usuario", "usuario"],
    "nationality": ["nationality", "citizenship", "staatsangehorigkeit", "nationalitat", "nationalite",
                    "nacionalidad"],
    "diet": ["diet", "dietary requirements", "dietary requirement", "dietary preference", "dietary preferences",
             "dietary restrictions", "dietary needs", "meal preference", "food preference", "meal choice",
             "ernahrung", "ernahrungsweise", "ernahrungsform", "essenswunsch", "essenswunsche", "speisewunsch",
             "verpflegung", "regime alimentaire", "preferences alimentaires", "preference alimentaire",
             "choix du repas", "dieta", "preferencias alimentarias", "restricciones alimentarias",
             "preferencia alimentaria", "tipo de dieta"],
    # sensitive: only proposed when settings allow it, and always marked
    "iban": ["iban", "bank account", "account number", "kontonummer", "bankverbindung", "numero de compte",
             "compte bancaire", "cuenta bancaria", "numero de cuenta"],
    "passport-number": ["passport number", "passport no", "passport", "reisepassnummer", "passnummer",
                        "numero de passeport", "passeport", "numero de pasaporte", "pasaporte"],
    "national-id": ["id number", "national id", "identity card number", "personalausweisnummer", "ausweisnummer",
                    "numero de carte d identite", "dni", "numero de documento", "documento de identidad",
                    "social security number", "ssn", "sozialversicherungsnummer", "numero de securite sociale",
                    "numero de seguridad social"],
    "tax-id": ["tax id", "tax number", "steuernummer", "steuer id", "steueridentifikationsnummer",
               "numero fiscal", "nif", "numero de identificacion fiscal"],
}

for _key, _phrases in MORE_SYNONYMS.items():
    SYNONYMS.setdefault(_key, [])
    SYNONYMS[_key] += [p for p in _phrases if p not in SYNONYMS[_key]]

SENSITIVE_KEYS = {"iban", "passport-number", "national-id", "tax-id", "health-insurance-number"}

# Words that say a field is about someone else, not the user: no synonym match then.
OTHER_PERSON = ["emergency", "contact person", "spouse", "partner", "husband", "wife", "mother", "father",
                "parent", "child", "children", "guardian", "reference", "referee", "recipient", "beneficiary",
                "notfall", "notfallkontakt", "ehepartner", "ehefrau", "ehemann", "mutter", "vater", "kind",
                "erziehungsberechtigt", "empfanger", "urgence", "conjoint", "epoux", "epouse", "mere", "pere",
                "enfant", "tuteur", "destinataire", "emergencia", "conyuge", "esposo", "esposa", "madre",
                "padre", "hijo", "hija", "tutor", "destinatario", "fax", "telefax",
                "doctor", "physician", "arzt", "hausarzt", "arztin", "medecin", "medico", "employee", "mitarbeiter",
                *MORE_OTHER_PERSON]

# ---- never filled ---------------------------------------------------------------------------
NEVER_AUTOCOMPLETE = {"current-password", "new-password", "one-time-code", "cc-number", "cc-csc", "cc-exp",
                      "cc-exp-month", "cc-exp-year", "cc-name", "cc-given-name", "cc-family-name",
                      "cc-additional-name", "cc-type", "transaction-amount", "transaction-currency"}
NEVER_KINDS = {"password", "hidden", "file", "submit", "button", "reset", "image", "signature"}
NEVER_PHRASES = ["password", "passwort", "kennwort", "mot de passe", "contrasena", "clave", "passcode",
                 "pin", "pin code", "cvv", "cvc", "csc", "cvv2", "security code", "card verification",
                 "card number", "credit card", "debit card", "cardholder", "expiry", "expiration", "exp date",
                 "kartennummer", "kreditkarte", "prufnummer", "sicherheitscode", "ablaufdatum",
                 "numero de carte", "carte bancaire", "carte de credit", "cryptogramme", "date d expiration",
                 "numero de tarjeta", "tarjeta de credito", "codigo de seguridad", "fecha de caducidad",
                 "one time code", "one time password", "otp", "verification code", "tan", "2fa", "mfa",
                 "authentication code", "bestatigungscode", "code de verification", "codigo de verificacion",
                 "captcha", "security question", "security answer", "secret question", "sicherheitsfrage",
                 "question secrete", "pregunta de seguridad", "signature", "unterschrift", "firma digital", *MORE_NEVER]

_NEVER_SET = [normalize(p).split() for p in NEVER_PHRASES]
_NEVER_STEMS = tuple(p[0] for p in _NEVER_SET if len(p) == 1 and len(p[0]) >= 6) + ("kartennummer", "kreditkarte")


def contains_phrase(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def is_never_filled(kind: str, autocomplete_tokens: list[str], texts: list[str]) -> str:
    """Why a field must never be filled ("" when it may be)."""
    if kind in NEVER_KINDS:
        return f"{kind} fields are never filled"
    for t in autocomplete_tokens:
        if t in NEVER_AUTOCOMPLETE:
            return f"autocomplete={t} is never filled"
    for text in texts:
        words = normalize(text).split()
        for phrase in _NEVER_SET:
            if contains_phrase(words, phrase):
                return f"'{' '.join(phrase)}' fields are never filled"
        for w in words:  # compounds: "Kreditkartennummer", "Einmalpasswort"
            for stem in _NEVER_STEMS:
                if stem in w:
                    return f"'{stem}' fields are never filled"
    return ""


_OTHER = [normalize(p).split() for p in OTHER_PERSON]
_OTHER_PREFIXES = tuple(p[0] for p in _OTHER if len(p) == 1 and len(p[0]) >= 6)


def about_someone_else(text: str) -> bool:
    """The field asks about another person (German compounds too: "Notfallkontakts")."""
    words = normalize(text).split()
    if any(contains_phrase(words, p) for p in _OTHER):
        return True
    return any(w.startswith(_OTHER_PREFIXES) for w in words)


# Autocomplete tokens that name a field (the last such token of the attribute wins).
FIELD_TOKENS = set(SYNONYMS) | NEVER_AUTOCOMPLETE | {
    "off", "on", "tel-country-code", "tel-national", "tel-area-code", "tel-local", "tel-extension",
    "address-line3", "address-level3", "address-level4", "country", "honorific-suffix", "email", "impp",
    "photo", "sex", "language", "bday-day", "bday-month", "bday-year"}


# ---- a whole label's key (documents' "Label: value" lines and table headers) ------------------------
_PART_KEYS = {"street-name", "house-number", "address-line1", "address-line2", "bday-day", "bday-month", "bday-year",
              "honorific-prefix", "username", "language"}
_PHRASE_KEY: dict[str, str] = {}


def key_of_label(label: str) -> str:
    """The key a label names when the whole label is one of the lexicon's phrases ("Geboortedatum" -> bday,
    "Luogo di nascita" -> birthplace), else "". Parts of a value (a house number alone) and account words name
    no key here: a document's line states a whole value."""
    if not _PHRASE_KEY:
        counts: dict[str, set[str]] = {}
        for key, phrases in SYNONYMS.items():
            for p in phrases:
                counts.setdefault(p, set()).add(key)
        _PHRASE_KEY.update({p: next(iter(keys)) for p, keys in counts.items()
                            if len(keys) == 1 and not keys & _PART_KEYS})
    return _PHRASE_KEY.get(normalize(label), "")
