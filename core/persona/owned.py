"""What of a document is the owner's, and what it says about the owner and about other people.

Given the inferred owner (``core.persona.owner``), each chunk is read for whose words it holds:
sent mail is the owner's (its body and its signature block), received mail is the sender's (their
signature makes a person record; only the owner's address in To/Cc is taken), a chat export holds the
owner's turns (ChatGPT's ``user`` lines, the WhatsApp lines whose sender is the owner) and other
people's, a contacts table has the owner's row and other people's rows, a payslip or invoice names the
owner as employee or customer with their address block, a letter signed by the owner is theirs, and a
note with no other author is the owner's first-person text. A chat line is never a value: only the
owner's turns are read, and only by the first-person rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr
from typing import TYPE_CHECKING, Callable

from core.documents.importers.mail import mail_parts
from core.persona.owner import (EMAIL_RE, INVOICE_WORDS, MAIL_FORMATS, PAYSLIP_WORDS, VALEDICTIONS, Owner, _cells,
                                fold, letter_signer, person_name, row_email, row_is_me, row_name, statement_clues, user_turns)
from core.persona.keys import SENSITIVE_KEYS
from core.persona.values import parse_date
from core.persona.people import RELATIONS, Person, note_relation, relation_mentions
from core.persona.rules import (COUNTRIES, DATE_TEXT, _postal_city, IBAN_RE, PHONE_RE, URL_RE, Candidate, _typed, clean_phone, extract_rules, first_person,
                                label_key, labelled_fields, looks_like_iban, parse_address)

if TYPE_CHECKING:
    from core.documents.model import ChunkView, DocumentInfo

TITLE_WORDS = re.compile(
    # German, Dutch and Swedish titles are compounds: "Produktmanagerin", "Vertriebsleiter", "Planningsmedewerker"
    r"\b(?:[A-Za-zÄÖÜäöüßåé]{3,}(?:manager(?:in)?|leiter(?:in)?|entwickler(?:in)?|berater(?:in)?|ingenieur(?:in)?|"
    r"referent(?:in)?|techniker(?:in)?|designer(?:in)?|assistent(?:in)?|kauffrau|kaufmann|medewerker|leider|adviseur|"
    r"ledare|ansvarig|utvecklare|ingenjör|tekniker|handläggare|samordnare|analytiker|arkitekt|konsult|säljare|chef)|engineer|manager|editor|director|head|lead|leader|developer|consultant|designer|officer|analyst|nurse|"
    r"teacher|professor|lecturer|researcher|scientist|architect|specialist|coordinator|assistant|founder|owner|ceo|"
    r"cto|cfo|coo|intern|student|lawyer|attorney|accountant|administrator|advisor|adviser|associate|executive|"
    r"president|chair|partner|principal|technician|representative|librarian|pharmacist|physician|doctor|"
    r"translator|journalist|writer|photographer|producer|product owner|secretary|clerk|"
    r"leiter(?:in)?|referent(?:in)?|ingenieur(?:in)?|entwickler(?:in)?|projektleiter(?:in)?|sachbearbeiter(?:in)?|"
    r"redakteur(?:in)?|lektor(?:in)?|berater(?:in)?|geschäftsführer(?:in)?|assistenz|lehrer(?:in)?|"
    r"krankenschwester|pfleger(?:in)?|ärztin|arzt|apotheker(?:in)?|architekt(?:in)?|gestalter(?:in)?|"
    r"chef de projet|chef|cheffe|ingénieure?|responsable|directeur|directrice|développeu(?:r|se)|chargée?|"
    r"conseill(?:er|ère)|infirmi(?:er|ère)|professeure?|enseignante?|avocate?|comptable|rédact(?:eur|rice)|"
    r"gerente|jef[ae]|director[a]?|ingenier[oa]|desarrollador[a]?|coordinador[a]?|analista|enfermer[oa]|"
    r"profesor[a]?|abogad[oa]|contador[a]?|diseñador[a]?|redactor[a]?|"
    r"utvecklare|ingenjör|projektledare|konsult|handläggare|säljare|lärare|sjuksköterska|chef|redaktör|"
    r"avdelningschef|läkare|formgivare|ekonom|controller|"
    r"responsabile|direttore|direttrice|ingegnere|impiegat[oa]|tecnic[oa]|progettista|insegnante|docente|"
    r"infermier[ea]|avvocat[oa]|commercialista|consulente|amministrat(?:ore|rice)|addett[oa]|coordinat(?:ore|rice)|"
    r"sviluppat(?:ore|rice)|ricercat(?:ore|rice)|architetto|geometra|farmacista|segretari[oa]|giornalista|"
    r"redatt(?:ore|rice)|funzionari[oa]|dirigente|titolare|"
    r"werkvoorbereider|projectleider|adviseur|(?:beleids)?medewerker|verpleegkundige|leraar|lerares|ontwikkelaar|"
    r"teamleider|huisarts|monteur|accountmanager|coördinator|programmeur|onderzoeker|advocaat|verkoper|eigenaar|"
    r"bedrijfsleider|hoofd|secretaresse|boekhouder|fysiotherapeut|tandarts|ontwerper)\b", re.I)
ORG_WORDS = re.compile(
    r"\b(?:GmbH|AG|KG|OHG|e\.V\.|UG|Ltd\.?|Limited|LLP|LLC|Inc\.?|Corp\.?|Co\.|PLC|plc|S\.?A\.?S?|SARL|S\.?L\.?|"
    r"S\.?p\.?A\.?|S\.?r\.?l\.?|S\.?n\.?c\.?|s\.?r\.?l\.?|S\.R\.L\.?|SRL|S\.P\.A\.?|B\.?V\.?|N\.?V\.?|V\.?O\.?F\.?|AB|ASA|A/S|ApS|Oy|SE|"
    r"GbR|mbH|eG|Verlag|University|Universität|Université|Universidad|"
    r"Universitet|Hospital|Klinik|Klinikum|Bank|Group|Gruppe|Groupe|Grupo|Studio|Agency|Agentur|Consulting|"
    r"Labs?|Institute|Institut|Instituto|Foundation|Stiftung|Fundación|Company|Associates|Partners|Media|"
    r"Solutions|Systems|Technologies|Software|Services|Hochschule|Schule|École|Escuela|Skola|Kommun|Stadt)\b")
LEGAL_FORMS = re.compile(r"\b(?:GmbH|AG|KG|OHG|e\.V\.|UG|Ltd\.?|Limited|LLP|LLC|Inc\.?|Corp\.?|PLC|plc|SAS|SARL|"
                         r"S\.L\.?U?\.?|S\.A\.?|S\.p\.A\.?|S\.P\.A\.?|S\.r\.l\.?|S\.R\.L\.?|Srl|SRL|S\.n\.c\.?|B\.V\.?|N\.V\.?|"
                         r"V\.O\.F\.?|AB|ASA|A/S|ApS|Oy|GbR|mbH)(?!\w)")
LABELLED_PHONE = re.compile(r"^\s*(?:t|tel|tel\.|phone|telephone|mobile|mob|mobil|handy|cell|m|tél|tel|portable|"
                            r"móvil|movil|teléfono|telefon|mobiltelefon|direct)\b\.?\s*[:.]?\s*(\+?[\d ()./-]{7,22}\d)",
                            re.I)
FORWARDED = re.compile(r"^.{0,20}(?:forwarded message|begin forwarded message|weitergeleitete nachricht|"
                       r"message transféré|mensaje reenviado|vidarebefordrat meddelande|original message|"
                       r"ursprüngliche nachricht|message d'origine|mensaje original|ursprungligt meddelande).{0,20}$",
                       re.I | re.M)
# The header Outlook and other mailers write above a quoted reply: "From: … / Sent: …", "Von: … / Gesendet: …",
# "De : … / Envoyé : …", "Da: … / Inviato: …", "Van: … / Verzonden: …", "Från: … / Skickat: …"
REPLY_HEADER = re.compile(r"^\s*(?:from|von|de|da|van|från|fra)\s?:[^\n]+\n\s*(?:sent|gesendet|envoyé|enviado|inviato|"
                          r"verzonden|verstuurd|skickat|sendt|date|datum|fecha|data)\s?:", re.I | re.M)
FAX = re.compile(r"\bfax\b", re.I)
_DELIM = re.compile(r"^\s*(?:--\s*|—|_{2,}|-{2,})\s*$")
YOU_WORDS = {"you", "du", "vous", "tú", "tu", "du (ich)", "ich", "me", "moi", "yo", "jag"}
BDAY_LABELS = re.compile(r"^\s*(?:date of birth|birth ?date|dob|born|geburtsdatum|geboren(?: am)?|geb\.|"
                         r"date de naissance|née? le|fecha de nacimiento|nacid[oa] el|födelsedatum|född)\s*[:.]?\s*(.{6,40})$",
                         re.I | re.M)


# An address book's notes column ("Notes", "Notizen", "Notas", …): a note that only names a relation counts as one.
NOTE_COLUMNS = {"notes", "note", "notizen", "notiz", "notas", "nota", "note personali", "opmerkingen", "notities",
                "anteckningar", "anteckning"}

# What only a partner calls someone, in a chat line addressed to the owner (a parent's "tesoro" is not here).
ENDEARMENT = re.compile(r"\b(?:amore mio|amore|ti amo|schat|schatje|lieverd|hou van je|mi amor|cariño|te quiero|"
                        r"mon amour|mon cœur|je t'aime|je t’aime|mein schatz|schatz|liebling|ich liebe dich|älskling|"
                        r"min älskade|älskade sambo|sambon|min sambo|"
                        r"jag älskar dig|babe|my love|love you|sweetheart|darling)\b", re.I)


@dataclass
class Reading:
    """What one chunk gives: candidates about the owner, people records, the owner's own text (for the model)."""

    candidates: list[Candidate] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    own_text: str = ""


def signature_block(body: str, is_name: Callable[[str], bool] | None = None) -> list[str]:
    """The lines of a mail's or letter's signature: after a ``--`` line, else after the last closing,
    else from the writer's name on a line of its own near the end."""
    lines = body.rstrip().splitlines()
    start = None
    if is_name is not None and not VALEDICTIONS.search(body) and not any(_DELIM.match(ln) for ln in lines[-25:]):
        for i in range(len(lines) - 1, max(-1, len(lines) - 12), -1):
            if lines[i].strip() and is_name(lines[i].strip()) and len(lines[i].split()) >= 2:
                return [ln.strip() for ln in lines[i:i + 9] if ln.strip()]
    for i in range(len(lines) - 1, max(-1, len(lines) - 25), -1):
        if _DELIM.match(lines[i]):
            start = i + 1
            break
    if start is None:
        for m in VALEDICTIONS.finditer(body):
            start = body[:m.end()].count("\n") + 1
    if start is None:
        return []
    return [ln.strip() for ln in lines[start:start + 9] if ln.strip()]


def parse_signature(lines: list[str], conf: float, rule: str = "signature", strict: bool = False) -> list[Candidate]:
    """Name, title, organization, phone, e-mail and URL of a signature block (not its address: that is
    usually the office's)."""
    out: list[Candidate] = []
    if not lines:
        return out
    first = re.split(r"\s[|·•–]\s|,\s", lines[0])
    name = person_name(first[0].strip())
    if not name:
        return out
    if len(name.split()) >= 2:
        out.extend(_typed("name", name, conf, rule))
    rest = [p.strip() for p in first[1:] if p.strip()] + lines[1:]
    for line in rest:
        segments = [x.strip() for x in re.split(r"\s[|·•]\s|\s{3,}", line) if x.strip()]
        # "Reno Automazione S.r.l. | Via del Lavoro 14, ...": a company beside an address or a phone
        contact = len(segments) > 1 and any(EMAIL_RE.search(x) or LABELLED_PHONE.match(x) or PHONE_RE.fullmatch(x)
                                            or re.search(r"\d", x) for x in segments)
        for ln in (segments if contact else [line]):
            out.extend(_signature_line(ln, conf, rule, strict))
    return out


def _is_title(p: str) -> bool:
    return bool(TITLE_WORDS.search(p)) and (not LEGAL_FORMS.search(p)) and (
        not ORG_WORDS.search(p) or bool(TITLE_WORDS.search(p.split()[-1])))


def _signature_line(ln: str, conf: float, rule: str, strict: bool) -> list[Candidate]:
    out: list[Candidate] = []
    if EMAIL_RE.search(ln):
        out.extend(_typed("email", EMAIL_RE.search(ln).group(0), conf, rule))  # type: ignore[union-attr]
        ln = EMAIL_RE.sub(" ", ln)
    url = URL_RE.search(ln) or re.search(r"(?<![\w.])(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:[a-z]{2,12})(?:/\S*)?(?![\w.])", ln)
    if url and not FAX.search(ln) and "." in url.group(0):
        out.extend(_typed("url", url.group(0), conf, rule))
        return out
    m = LABELLED_PHONE.match(ln)
    if (m or PHONE_RE.fullmatch(ln.strip())) and not FAX.search(ln):
        v = clean_phone(m.group(1) if m else ln)
        if v:
            out.append(Candidate("tel", v, conf, rule))
        return out
    if re.search(r"\d", ln):
        return out   # an address line or a number we do not know
    parts = [p.strip() for p in re.split(r"\s[|·•–-]\s|,\s|\s(?:at|bei|chez|en|på|@)\s", ln) if p.strip()]
    if len(parts) == 2 and not strict and LEGAL_FORMS.search(parts[1]) and not ORG_WORDS.search(parts[0]) \
            and 1 <= len(parts[0].split()) <= 4 and parts[0][:1].isupper():
        # "Werkvoorbereider | Rijnland Installatietechniek B.V.": the words before a company are the title
        return out + _typed("organization-title", parts[0], conf, rule) + _typed("organization", parts[1], conf, rule)
    for p in parts:
        if len(p.split()) > 6 or p.casefold() in COUNTRIES:
            continue
        if strict and not (TITLE_WORDS.search(p) or ORG_WORDS.search(p)):
            continue
        if _is_title(p):
            out.extend(_typed("organization-title", p, conf, rule))
        elif ORG_WORDS.search(p) or (not strict and len(parts) == 2 and p == parts[-1] and p[:1].isupper()):
            out.extend(_typed("organization", p, conf, rule))
    return out


def signature_person(lines: list[str], sender_name: str, sender_email: str) -> Person | None:
    """A received mail's sender as a person record, with the phone and organization of their signature."""
    name = person_name(sender_name) or ""
    p = Person(name, "", sender_email if EMAIL_RE.fullmatch(sender_email or "") else "")
    for c in parse_signature(lines, 1.0):
        if c.key == "name" and not p.name:
            p.name = c.value
        elif c.key == "tel" and not p.tel:
            p.tel = c.value
        elif c.key == "organization" and not p.organization:
            p.organization = c.value
    return p if (p.name or p.email) else None


def address_after(text: str, owner: Owner, conf: float) -> list[Candidate]:
    """The address block under the owner's name (sender or recipient block of a letter, the employee
    block of a payslip, the customer block of an invoice)."""
    out: list[Candidate] = []
    lines = text.splitlines()
    for ln in lines:   # DIN 5008's one-line sender: "Katharina Brandt · Wiesentalstraße 8 · 79115 Freiburg"
        parts = [p.strip() for p in re.split(r"\s[·•|–]\s|\s{3,}", ln.strip()) if p.strip()]
        if len(parts) >= 3 and owner.name and " " in parts[0] and owner.is_name(parts[0]) \
                and re.search(r"\d", parts[1]) and not any(":" in p for p in parts) and not parse_date(parts[1]) \
                and any(_postal_city(p) for p in parts[2:4]):
            for c in parse_address(", ".join(parts[1:4])):
                c.confidence, c.rule = conf, "address-block"
                out.append(c)
            if out:
                return out
    for i, ln in enumerate(lines):
        cell = re.split(r"\s{3,}|\t", ln.strip())[0]
        cell = re.sub(r"^(?:[A-Za-zäöüéèñ ]{2,25}:\s*)", "", cell)
        if not owner.name or " " not in cell.strip() or not owner.is_name(cell):
            continue
        block: list[str] = []
        for nxt in lines[i + 1:i + 5]:
            part = re.split(r"\s{3,}|\t", nxt.strip())[0].strip()
            # "14 Wellington Road, Cork T23 X8K2  ·  087 214 6690  ·  me@example.ie": the address, not the contacts
            segments = [p.strip() for p in re.split(r"\s[·•|]\s", part) if p.strip() and not _contact(p)]
            if len(segments) > 1:   # "Title · Street 47, 40122 City · phone · mail": the parts with numbers
                segments = [p for p in segments if re.search(r"\d", p)] or segments
            part = ", ".join(segments)
            if not part or re.search(r"\w\s*:\s", part):
                break   # a labelled line ("Adresse : ...", "Personnummer: ...") is no address block
            block.append(part)
            if re.search(r"\b\d{4,5}\b|\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b|\b\d{3} ?\d{2}\b", part) and len(block) >= 2:
                break
        one_line = len(block) == 1 and any(c.key == "postal-code" for c in parse_address(block[0]))
        if (len(block) >= 2 or one_line) and re.search(r"\d", block[0]):
            for c in parse_address(", ".join(block)):
                c.confidence, c.rule = conf, "address-block"
                out.append(c)
            break
    return out


ROW_KEYS = {"bday", "birthplace", "nationality", "email", "tel"}


def owner_row(text: str, owner: Owner, conf: float) -> list[Candidate]:
    """A table whose header names personal columns and one of whose rows is the owner's: an insurer's
    "Verzekerde   Geboortedatum   Verzekering" over "T. van der Meulen   04-08-1985   Basis". The value is the
    cell under its column (the cells two or more spaces apart); a row that names another person is theirs."""
    out: list[Candidate] = []
    lines = text.splitlines()
    for i, head in enumerate(lines):
        cols = [(m.start(), m.end(), label_key(m.group(0))) for m in re.finditer(r"\S+(?: \S+)*", head)
                if "  " in head or "\t" in head]
        if not any(k in ROW_KEYS for *_, k in cols):
            continue
        for row in lines[i + 1:i + 12]:
            cells = [(m.start(), m.group(0)) for m in re.finditer(r"\S+(?: \S+)*", row.expandtabs())]
            if len(cells) < 2:
                break
            if not owner.is_name(cells[0][1]) or " " not in cells[0][1]:
                continue
            for start, end, key in cols:
                if key not in ROW_KEYS:
                    continue
                cell = next((c for pos, c in cells[1:] if pos < end + 2 and pos + len(c) > start - 2), "")
                if cell:
                    out.extend(_typed(key, cell, conf, "table-row"))
            return out
    return out


MASKED = re.compile(r"[*•●]{2,}|x{4,}|\bx{2,3}[-. ]x{2}\b", re.I)   # "****5672K", "XXXXXX8812", "XXX-XX-6093"


def _contact(part: str) -> bool:
    """An e-mail, a web address or a phone number (a contact line, not an address line)."""
    p = part.strip()
    return bool(EMAIL_RE.search(p) or URL_RE.search(p) or re.match(r"(?i)www\.", p) or LABELLED_PHONE.match(p)
                or re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:/\S*)?", p)
                or (PHONE_RE.fullmatch(p) and not re.search(r"[A-Za-z]", p)))


_PLACE_TEXT = r"([A-ZÀ-Ž][\w'’-]+(?:[ -][A-ZÀ-Ž][\w'’-]+){0,2})"
_BORN = re.compile(rf"[,(]?\s*(?:geb\.?(?: am)?|geboren(?: am)?|born(?: on)?|b\.|née? le|née?|nacid[oa] el|nat[oa] il|född(?: den)?)"
                   rf"\s*{DATE_TEXT}\)?", re.I)
# "nacida en Huesca el 17 de abril de 1992", "né à Angers le 3 novembre 1988", "nato a Ravenna il 29/07/1985",
# "geboren am 22.09.1986 in Chemnitz", "born on 3 May 1980 in Cork", "född 1990-06-14 i Sundsvall"
_BORN_AT = [re.compile(rf",?\s*(?i:nacid[oa] en|née? à|nat[oa] a|geboren in|geboren te|born in|född i) {_PLACE_TEXT},? "
                       rf"(?i:el|le|il|am|on|op|den)? ?{DATE_TEXT}"),
            re.compile(rf",?\s*(?i:nacid[oa] el|née? le|nat[oa] il|geboren am|geboren op|born on|född(?: den)?) {DATE_TEXT},? "
                       rf"(?i:en|à|a|in|te|i) {_PLACE_TEXT}")]


def born_after_name(text: str, owner: Owner, conf: float) -> list[Candidate]:
    """"Frau Miriam Hofstetter, geb. 22.09.1986", "Dña. Lucía Navarro Gil, nacida en Huesca el 17 de abril de 1992":
    the owner's birthday (and birthplace) where it follows their name (a contract's parties, a doctor's letter);
    another person's stays theirs."""
    out: list[Candidate] = []

    def owners(m: re.Match[str]) -> bool:
        lines = text[:m.start() + len(m.group(0)) - len(m.group(0).lstrip(", \n\t"))].split("\n")
        if not lines[-1].strip(" ,") and any(owner.is_name(ln.strip()) and len(ln.split()) >= 2 for ln in lines[-4:-1]):
            return True   # a CV's header: "Wouter De Smedt" / contacts / "Geboren te Aalst op 8 februari 1983"
        before = re.split(r"[:;\n]|\b(?:und|and|et|y|e|en|och)\b", text[max(0, m.start() - 60):m.start()])[-1].strip(" ,")
        parts = [p.strip() for p in before.split(",")]
        # "…, como ARRENDATARIA, Dña. Lucía Navarro Gil" or "Patientin: Hofstetter, Miriam"
        names = [parts[-1], ", ".join(parts[-2:])] if len(parts) >= 2 else parts
        words = parts[-1].split()
        names += [" ".join(words[-k:]) for k in range(2, min(5, len(words)) + 1)]   # "Je soussignée Aurélie Fontaine"
        return any(" " in n or "," in n for n in names if n) and any(n and owner.is_name(n) for n in names)

    for i, pattern in enumerate(_BORN_AT):
        for m in pattern.finditer(text):
            if owners(m):
                place, day = (m.group(1), m.group(2)) if i == 0 else (m.group(2), m.group(1))
                out += _typed("bday", day, conf, "born-after-name") + _typed("birthplace", place, conf, "born-after-name")
    if not out:
        for m in _BORN.finditer(text):
            if owners(m):
                out.extend(_typed("bday", m.group(1), conf, "born-after-name"))
    return out


def born_unnamed(text: str, conf: float) -> list[Candidate]:
    """"Född 29 augusti 1990 i Borås.", "Born in Cork on 3 May 1980.": a sentence of a CV or an about-me note that
    names nobody (it starts with the word for born) is about the one the document is about: the owner."""
    out: list[Candidate] = []

    def unnamed(m: re.Match[str]) -> bool:
        start = m.start() + len(m.group(0)) - len(m.group(0).lstrip(", \n\t"))
        return text[start:start + 1].isupper() and not re.match(r"(?i)b\.", text[start:start + 2]) \
            and bool(re.search(r"(?:^|[.!?:]\s|\n)\s*$", text[:start]))

    for i, pattern in enumerate(_BORN_AT):
        for m in pattern.finditer(text):
            if unnamed(m):
                place, day = (m.group(1), m.group(2)) if i == 0 else (m.group(2), m.group(1))
                out += _typed("bday", day, conf, "born-unnamed") + _typed("birthplace", place, conf, "born-unnamed")
    if not out:
        out += [c for m in _BORN.finditer(text) if unnamed(m) for c in _typed("bday", m.group(1), conf, "born-unnamed")]
    return out


# "Form asks place of birth exactly as on the old one: MILWAUKEE, WISCONSIN": the owner's note of their birthplace
_BIRTHPLACE_NOTE = re.compile(r"(?i:place of birth|birthplace|birth place|lieu de naissance|geburtsort|lugar de nacimiento|"
                              r"luogo di nascita|geboorteplaats|födelseort)\b((?:[^:\n.;]|\n(?!\s*\n|\s*[-*•#]\s)){0,60}):\s*([A-ZÀ-Ž][^,\n;(]{1,40})")
_SOMEONE_ELSE = re.compile(rf"\w['’]s\b|\b(?i:his|her|their|sein[e]?|ihr[e]?|son|sa|ses|su|sus|hans|hennes|deras|zijn|"
                           rf"haar|suo|sua|{'|'.join(re.escape(k) for k in RELATIONS)})\b")


def birthplace_note(text: str, conf: float) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _BIRTHPLACE_NOTE.finditer(text):
        line = text[text.rfind("\n", 0, m.start()) + 1:m.start()] + m.group(1)
        prev = text[:m.start()].rstrip().rsplit("\n", 1)[-1] if not line.strip(" -*•") else ""
        if not _SOMEONE_ELSE.search(line + " " + prev):
            out += _typed("birthplace", m.group(2).strip(), conf, "birthplace-note")
    return out


def _stacked(text: str) -> str:
    """A table read out of a PDF one cell per line ("Assicurato" / "LOMBARDI DAVIDE" / "Codice fiscale" / "…"):
    a line that is a label alone, followed by a line that is not, becomes "Label: value"."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        ln = lines[i].strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if ln and nxt and ":" not in ln and ":" not in nxt and len(ln.split()) <= 6 and label_key(ln) \
                and not label_key(nxt):
            out.append(f"{ln}: {nxt}")
            i += 2
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def owner_block(text: str, owner: Owner, conf: float) -> list[Candidate]:
    """The labelled lines of a paragraph that names the owner ("Datos del tomador / Nombre: JAVIER MORENO
    CASTILLO / Fecha de nacimiento: 12/03/1983"): an insurer's, a bank's or an office's record of them.
    A paragraph that names another person is theirs; masked values ("DNI: ****5672K") are no values."""
    out: list[Candidate] = []
    for para in re.split(r"\n\s*\n", _stacked(text)):
        found = labelled_fields(_BORN.sub("", para), conf)
        names = [c.value for c in found if c.key == "name"]
        given = {fold(c.value) for c in found if c.key == "given-name"}
        family = {fold(c.value) for c in found if c.key == "family-name"}
        if not names and len(given) == 1 and len(family) == 1:   # "Efternamn: Bergström" + "Förnamn: Linnea"
            names = [f"{given.pop()} {family.pop()}"]
        if names and all(" " in n and owner.is_name(n) for n in names):
            out += [c for c in found if c.key not in ("name", "given-name", "family-name") and not MASKED.search(c.value)]
            out += born_after_name(para, owner, conf)
    return out


# after a comma, a legal form belongs to the name before it ("Lakeshore Freight Analytics, Inc.")
_NOT_LEGAL = r"(?!(?:Inc|Ltd|LLC|LLP|Corp|Co|PLC|GmbH|AG|AB|S\.?A|B\.?V|S\.?r\.?l|S\.?p\.?A)\b)"
_CONTACT_KEYS = {"street-address", "address-line1", "address-line2", "postal-code", "address-level1", "address-level2",
                 "country-name", "tel", "email", "url"}


def form_fields(text: str, owner: Owner, conf: float) -> list[Candidate]:
    """Labelled fields of a payslip, invoice or form that names the owner, and their birthday."""
    # "Job title" / "Senior Data Engineer": a PDF's cells one per line. A sensitive number is read only where it is
    # written beside its label ("Personnummer: …"), never paired with the next line; an address or a phone under a
    # label may be the employer's block ("Employer" / "Acme" / "Address" / "1 Corp Way"): the owner's address is
    # the block under their name (``address_after``)
    stacked = _stacked(text)
    out = [c for c in labelled_fields(text, conf) if not MASKED.search(c.value)]
    out += [c for c in labelled_fields(stacked, conf) if c.key not in SENSITIVE_KEYS and c.key not in _CONTACT_KEYS
            and not MASKED.search(c.value)]
    if PAYSLIP_WORDS.search(text) and not any(c.key == "organization" for c in out):
        for ln in [x.strip() for x in text.splitlines() if x.strip()][:6]:   # the employer heads the payslip
            head = re.split(rf"\s{{3,}}|\t|,\s{_NOT_LEGAL}", ln)[0].strip()
            if ORG_WORDS.search(head) and not owner.is_name(head) and len(head.split()) <= 6:
                out.extend(_typed("organization", head, conf * 0.9, "payslip-employer"))
                break
    for m in IBAN_RE.finditer(text):   # the account the salary or refund goes to
        if looks_like_iban(m.group(0)):
            out.append(Candidate("iban", m.group(0), conf, "form-iban"))
    for m in BDAY_LABELS.finditer(stacked):
        out.extend(_typed("bday", re.split(r"\s{3,}|\t", m.group(1))[0], conf, "label"))
    out += address_after(text, owner, conf) + owner_row(text, owner, conf) + born_after_name(text, owner, conf)
    return out


PERSONAL_LABELS = {"bday", "blood-type", "ssn", "passport-number", "nationality", "citizenship", "iban", "tax-id",
                   "allergy", "allergies", "birthplace", "national-id", "driver-license", "health-insurance-number",
                   "religion", "pronouns", "languages", "shoe-size", "height"}
_CURRENT = re.compile(r"^\s*[-•*]?\s*([^,\n|]{3,60}?)\s*(?:,|\||–| - | at | bei | chez | en | på )\s*([^,\n|(]{2,60}?)"
                      r"(?:,\s*[^,\n(]{2,40})?\s*\(?(?:since |seit |depuis |desde |sedan )?\(?\d{4}\s*(?:[-–]\s*)?"
                      r"(?:present|now|today|current|heute|jetzt|aujourd'hui|présent|actualidad|hoy|nu|idag)?\)?\s*$",
                      re.I | re.M)


_NOW_WORDS = (r"present|now|today|current|heute|jetzt|aujourd'hui|présent|actualidad|hoy|nu|idag|oggi|presente|"
              r"heden|nuvarande|dato")
_SINCE = r"(?:since|seit|depuis|desde|sedan|från|dal|sinds)"
_WHEN = r"(?:\d{1,2}[/.]\s?)?(?:\d{4})"
# the dates of a CV's current position, before or after it: "2021 to present", "(2016 – heute)", "seit 04/2020",
# "2019–" (a range left open), "since 2019:"
_CURRENT_DATES = [
    re.compile(rf"^\s*(?i:{_SINCE})\s+{_WHEN}\s*[:–—-]?\s+"),
    re.compile(rf"^\s*{_WHEN}\s*(?:[-–—]|\s(?i:to|bis|à|a|till|tot|al)\s)\s*(?i:{_NOW_WORDS})?\s*[:–—-]?\s+(?=\D)"),
    re.compile(rf"[\s,(–—-]*\(?(?i:{_SINCE})\s+{_WHEN}\)?\s*$"),
    re.compile(rf"[\s,(–—-]*\(?{_WHEN}\s*(?:[-–—]|\s(?i:to|bis|à|a|till|tot|al)\s)\s*(?i:{_NOW_WORDS})\)?\s*$"),
]
_JOB_SPLIT = re.compile(rf",\s{_NOT_LEGAL}|\s\|\s|\s(?:at|bei|chez|en|på|presso|bij)\s|\s[–—]\s")


def _current_line(line: str) -> str:
    """The position of a CV line dated up to now, without its dates ("" for a past or undated line)."""
    for i, pat in enumerate(_CURRENT_DATES):
        m = pat.search(line)
        if not m:
            continue
        if i == 1 and re.search(r"\d{4}", line[m.end():m.end() + 12]) and not re.search(_NOW_WORDS, m.group(0), re.I):
            continue   # "2014–2020  Business Analystin": a closed range
        rest = line[m.end():] if i < 2 else line[:m.start()]
        return re.split(r"(?<=[a-zäöüåé])\.\s", rest.strip())[0].strip(" .,:")   # "…, Göteborg. Styrsystem för …"
    return ""


def current_job(text: str) -> list[Candidate]:
    """A CV's current position: "Registered Nurse, Providence Medical Center, Portland (2016 - present)",
    "Senior Data Engineer, Lakeshore Freight Analytics, Inc., Chicago, IL — 2021 to present",
    "seit 04/2020  Projektleiterin Digitalisierung, Sihltal Logistik AG, Zürich"."""
    out: list[Candidate] = []
    for line in text.splitlines():
        pos = _current_line(line.strip(" -•*\t"))
        parts = [p.strip() for p in _JOB_SPLIT.split(pos) if p.strip()] if pos else []
        if len(parts) >= 2 and len(parts[0].split()) <= 6 and _is_title(parts[0]) and not _is_title(parts[1]) \
                and parts[1][:1].isupper() and len(parts[1].split()) <= 6:
            return _typed("organization-title", parts[0], 0.7, "cv") + _typed("organization", parts[1], 0.7, "cv")
    for m in _CURRENT.finditer(text):
        line = m.group(0)
        if not re.search(rf"\b(?:{_NOW_WORDS})\b|{_SINCE}", line, re.I):
            continue
        title, org = m.group(1).strip(), m.group(2).strip()
        if _is_title(title) and not _is_title(org):
            out += _typed("organization-title", title, 0.7, "cv") + _typed("organization", org, 0.7, "cv")
            break
    return out


def partner_names(people: list[Person], conf: float) -> list[Candidate]:
    """The owner's partner, as the personal key ``partner-name``, from "my wife Maria"-like mentions."""
    out: list[Candidate] = []
    for p in people:
        if p.relation == "partner" and p.name:
            out.extend(_typed("partner-name", p.name, conf, "relation"))
    return out


def _is_owner_line(sender: str, owner: Owner) -> bool:
    return owner.is_name(sender) or fold(sender) in YOU_WORDS


def read_chunk(ch: ChunkView, doc: DocumentInfo, owner: Owner, mine: bool, header: list[str] | None = None) -> Reading:
    """Everything the chunk says about the owner (as candidates) and about other people."""
    fmt = ch.format.lower()
    r = Reading()
    header = header or []
    if fmt in MAIL_FORMATS or "from" in ch.meta:
        return _mail(ch, owner, mine, r)
    if fmt == "chatgpt":
        own = user_turns(ch.text)
        r.candidates = first_person(own, 0.9)
        r.people = relation_mentions(own)
        r.own_text = own
        return r
    if fmt == "whatsapp":
        own_lines, others = [], set()
        fond_words = family_member = False
        for ln in ch.text.splitlines():
            sender, sep, body = ln.partition(": ")
            if not sep:
                continue
            if _is_owner_line(sender, owner):
                own_lines.append(body)
                fond_words = fond_words or bool(ENDEARMENT.search(body))
            elif person_name(sender):
                others.add(person_name(sender))
                fond_words = fond_words or bool(ENDEARMENT.search(body))
                if sender.strip().casefold() in RELATIONS:
                    family_member = True
        own = "\n".join(own_lines)
        r.candidates = first_person(own, 0.9)
        if len(others) == 1 and fond_words and not family_member:   # a one-to-one chat of "amore mio", "älskling"
            r.candidates += _typed("partner-name", others.pop(), 0.6, "endearment")
        r.people = relation_mentions(own) + [Person(n) for n in sorted(others)]
        r.own_text = own
        return r
    if fmt in ("csv", "tsv"):
        for line in ch.text.splitlines():
            cells = _cells(line, header)
            if not cells:
                continue
            name, email = row_name(cells), row_email(cells)
            if header and [v.casefold() for v in cells.values()] == [h for h in header if h in cells]:
                continue   # the header row itself
            if row_is_me(cells) or (owner.known and (owner.is_email(email) or (name and owner.is_name(name)
                                                                                  and len(name.split()) >= 2))):
                r.candidates += labelled_fields("\n".join(f"{k}: {v}" for k, v in cells.items()), 0.85)
            elif name or email:
                rel = next((v for k, v in cells.items() if k in ("relation", "relationship", "beziehung", "relación",
                                                                 "relacion", "relation to me")), "")
                rel = rel or next((nr for k, v in cells.items() if k in NOTE_COLUMNS and (nr := note_relation(v))), "")
                tel = next((v for k, v in cells.items() if any(w in k for w in ("phone", "tel", "mobile", "handy",
                                                                                "móvil", "mobil"))), "")
                org = next((v for k, v in cells.items() if k in ("company", "organization", "organisation", "firma",
                                                                 "empresa", "entreprise", "företag")), "")
                r.people.append(Person(name, rel.casefold(), email, clean_phone(tel) or "", org))
                if RELATIONS.get(rel.strip().casefold()) == "partner" and name:
                    r.candidates += _typed("partner-name", name, 0.85, "contacts-partner")
        return r
    if ch.meta.get("vcard"):
        return r   # the service reads cards (its own card or an address book's)
    return _document(ch, doc, owner, mine, r)


def _mail(ch: ChunkView, owner: Owner, mine: bool, r: Reading) -> Reading:
    mail = mail_parts(ch.text)
    sender_name, sender = parseaddr(str(ch.meta.get("from", "")))
    sender = mail.sender or sender
    by_owner = owner.is_email(sender) or (not owner.emails and owner.is_name(sender_name) and bool(sender_name))
    if by_owner or (mine and not owner.known):
        body = FORWARDED.split(mail.body)[0]   # a forwarded mail below is someone else's
        body = REPLY_HEADER.split(body)[0]     # and so is the mail quoted below "Von: … / Gesendet: …"
        r.candidates += first_person(body, 1.0)
        sig = signature_block(body, owner.is_name)
        if sig and (not owner.name or owner.is_name(re.split(r"\s[|·•–]\s|,\s", sig[0])[0].strip())):
            r.candidates += parse_signature(sig, 0.65)
        r.candidates += labelled_fields(body, 0.6)
        if sender:
            r.candidates += _typed("email", sender, 0.6, "mail-from")
        if person_name(sender_name) and len(sender_name.split()) >= 2:
            r.candidates += _typed("name", person_name(sender_name), 0.5, "mail-from")
        r.people = relation_mentions(body)
        for rname, raddr in getaddresses([str(ch.meta.get("to", ""))]):   # the people the owner writes to
            if raddr and EMAIL_RE.fullmatch(raddr) and not owner.is_email(raddr):
                r.people.append(Person(person_name(rname), "", raddr))
        r.own_text = body
        return r
    addressed = False
    for f in ("to", "cc"):
        for a in mail.addresses.get(f, []):
            if owner.is_email(a):
                r.candidates.append(Candidate("email", a, 0.3, "mail-to"))
                addressed = True
    if addressed:   # an insurer's or an office's mail to the owner, with their record in it
        r.candidates += owner_block(mail.body, owner, 0.7)
    if sender and not owner.is_email(sender):
        p = signature_person(signature_block(mail.body, lambda n: fold(n) == fold(sender_name)), sender_name, sender)
        if p is not None and not owner.is_name(p.name):
            r.people.append(p)
    return r


def _document(ch: ChunkView, doc: DocumentInfo, owner: Owner, mine: bool, r: Reading) -> Reading:
    """A note, journal, letter, payslip, invoice, CV (text, Markdown, DOCX, PDF, HTML)."""
    text = ch.text
    names = [c.name for c in statement_clues(text, doc.name) if c.kind == "statement"]
    other_author = owner.name and any(not owner.is_name(n) and len(n.split()) >= 2 for n in names) and not any(
        owner.is_name(n) for n in names)
    form = bool(PAYSLIP_WORDS.search(text) or INVOICE_WORDS.search(text[:3000]))
    names_owner = owner.known and owner.mentioned_in(text)
    head = [re.sub(r"^[#*>\s-]*(?:[\w ]{2,24}:\s*)?", "", ln).strip() for ln in text.splitlines() if ln.strip()][:3]
    # about the owner: their name heads it on a line of its own (a CV, an about-me note, a letter's sender
    # block, "Name: Ada Novak") or they say who they are; a meeting note listing them among others is not
    about_owner = names_owner and (any(owner.is_name(h) and " " in h for h in head)
                                   or any(owner.is_name(n) for n in names))
    signer = _signer(text)
    signed_by_other = bool(signer) and owner.name and not owner.is_name(signer)
    if form:
        if names_owner or mine:
            r.candidates += form_fields(text, owner, 0.8)
        return r
    if mine or (not other_author and not signed_by_other):
        scale = 1.0 if (mine or about_owner or not owner.known) else 0.9
        r.candidates += extract_rules(text, is_self=True) if (mine or about_owner) else first_person(text, scale)
        if not (mine or about_owner):
            # a note of the owner's with "Blood type: O negative": keys about a person themselves count;
            # contact-like keys (a phone, an address) may be anyone's and stay weak
            r.candidates += [Candidate(c.key, c.value, 0.6 if c.key in PERSONAL_LABELS else 0.45, c.rule, c.change)
                             for c in labelled_fields(text, 0.45)]
        # a CV: its header names the owner, or a table of it does ("Name | Corinne Baumgartner")
        if about_owner or mine or any(c.key == "name" and owner.is_name(c.value) for c in labelled_fields(text, 0.5)):
            r.candidates += current_job(text) + born_unnamed(text, 0.7)
        elif not other_author:
            r.candidates += birthplace_note(text, 0.6)
        r.candidates += address_after(text, owner, 0.75) + owner_row(text, owner, 0.75) + born_after_name(text, owner, 0.75)
        r.candidates += owner_block(text, owner, 0.75)
        sig = signature_block(text)
        if sig and signer and owner.is_name(signer):
            r.candidates += parse_signature(sig, 0.6)
        top = sender_lines([ln.strip() for ln in text.splitlines() if ln.strip()][:7])
        if top and owner.is_name(top[0].lstrip("# ")) and ch.ordinal == 0:   # a CV's or letter's header block
            r.candidates += [c for c in parse_signature([top[0].lstrip("# ")] + top[1:], 0.6, "header", strict=True)
                             if c.key not in ("name", "given-name", "family-name")]
        r.people = relation_mentions(text)
        r.own_text = text
        return r
    # someone else's letter or note: the owner's address block (as recipient), row and record are still theirs
    r.candidates += address_after(text, owner, 0.7) + owner_row(text, owner, 0.7) + owner_block(text, owner, 0.7)
    r.candidates += born_after_name(text, owner, 0.7)
    return r


ADDRESSEE = re.compile(r"^(?:spett\.?\s?le|spettabile|gentil[ei]ssim[oa]|gentile|egregi[oa]|alla cortese|all'attenzione|"
                       r"an(?: die| den| das)?|to|attn\.?|att\.?|à|a l'attention|aan|aan de|t\.a\.v\.?|till|sehr geehrte|"
                       r"dear|estimad[oa]s?|a la atención|madame|monsieur)\b", re.I)


def sender_lines(top: list[str]) -> list[str]:
    """The sender block heading a letter or CV: up to the addressee ("Spett.le", "An", "Aan", "To ..."), or
    after the postal line up to the first line that is not a contact (an e-mail, a phone, a web address)."""
    out: list[str] = []
    postal = False
    for ln in top:
        if out and ADDRESSEE.match(ln):
            break
        contact = bool(EMAIL_RE.search(ln) or URL_RE.search(ln) or LABELLED_PHONE.match(ln) or PHONE_RE.fullmatch(ln))
        if postal and not contact:
            break
        postal = postal or (bool(out) and bool(re.search(r"\b\d{4,5}\b|\b\d{3} ?\d{2}\b|\b\d{4} ?[A-Z]{2}\b", ln))
                            and not contact)
        out.append(ln)
    return out


def _signer(text: str) -> str:
    return letter_signer(text)
