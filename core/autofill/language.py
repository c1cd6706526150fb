"""Which language a form is written in, from the words of its labels (for conventions the form does not state).

A German form with a bare "Geburtsdatum" field wants ``22.07.1988``, a Swedish one ``1988-07-22``.
The guess counts words that belong to one language's form vocabulary; "" when no language leads.
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

from core.labels.lexicon import normalize
from core.autofill.model import FormField

_WORDS: dict[str, set[str]] = {
    "en": {"first", "last", "name", "surname", "address", "street", "city", "town", "phone", "email", "birth",
           "date", "of", "your", "country", "postcode", "zip", "the", "and", "company", "job", "title"},
    "de": {"vorname", "nachname", "strasse", "hausnummer", "plz", "ort", "wohnort", "telefon", "geburtsdatum",
           "geburtsort", "anschrift", "ihre", "und", "der", "die", "des", "staatsangehorigkeit", "beruf", "anrede",
           "arbeitgeber", "familienname", "postleitzahl", "handy", "mobilnummer", "geschlecht", "land"},
    "fr": {"prenom", "nom", "rue", "ville", "code", "postal", "telephone", "naissance", "date", "de", "du", "le",
           "la", "votre", "et", "courriel", "adresse", "pays", "profession", "employeur", "civilite", "portable",
           "lieu", "sexe", "nationalite", "ne", "fonction"},
    "es": {"nombre", "apellidos", "apellido", "calle", "ciudad", "codigo", "telefono", "nacimiento", "fecha", "de",
           "del", "su", "y", "correo", "electronico", "direccion", "pais", "empresa", "cargo", "provincia", "movil",
           "domicilio", "localidad", "sexo", "nacionalidad", "lugar"},
    "it": {"nome", "cognome", "via", "citta", "cap", "telefono", "nascita", "data", "di", "del", "della", "il",
           "e", "posta", "elettronica", "indirizzo", "paese", "azienda", "professione", "cellulare", "luogo",
           "sesso", "nazionalita", "comune", "provincia", "codice", "fiscale"},
    "nl": {"voornaam", "achternaam", "straat", "huisnummer", "postcode", "woonplaats", "plaats", "telefoon",
           "telefoonnummer", "geboortedatum", "geboorteplaats", "uw", "en", "van", "het", "adres", "land", "bedrijf",
           "functie", "mobiel", "geslacht", "nationaliteit", "e", "mailadres", "naam", "tussenvoegsel"},
    "sv": {"fornamn", "efternamn", "gatuadress", "adress", "postnummer", "ort", "postort", "telefon",
           "telefonnummer", "fodelsedatum", "fodelseort", "din", "och", "av", "land", "foretag", "arbetsgivare",
           "yrke", "mobil", "mobilnummer", "kon", "nationalitet", "e", "post", "namn", "personnummer", "befattning"},
}


def form_language(fields: Sequence[FormField]) -> str:
    """The language most of the form's labels are in ("en", "de", "fr", "es", "it", "nl", "sv"), or ""."""
    votes: Counter[str] = Counter()
    for f in fields:
        words = set(normalize(" ".join((f.label, f.aria_label, f.placeholder))).split())
        for lang, vocab in _WORDS.items():
            votes[lang] += len(words & vocab)
    if not votes:
        return ""
    ranked = votes.most_common(2)
    best, n = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    return best if n >= 2 and n > second else ""
