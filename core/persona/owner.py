"""Who the user is: the owner of the data folder, inferred from the imported documents with evidence.

A plain ``mnemo import DIR`` does not say whose files these are. The files do: the sender of the
mails in a "Sent" folder, an address that is the sender of some mails and the recipient of the
others, the row marked "me" in a contacts table, the only card of a vCard file called ``me.vcf``,
"My name is Ada Novak" in a note, the employee on a payslip, the signer of a letter. Each of these is
a *clue* (kind, name, e-mail, weight, a line for the user); ``infer_owner`` groups the clues into
identities (a name and an e-mail seen together are one identity) and picks the best supported one.
The user can confirm or correct it (``mnemo whoami --set``); a confirmed owner is never overruled.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from email.utils import getaddresses, parseaddr
from pathlib import PurePath
from typing import TYPE_CHECKING, Iterable, Sequence

from sqlalchemy import delete
from sqlmodel import select

from core.persona.tables import PersonaOwner, PersonaOwnerClue
from core.store.clock import utcnow

if TYPE_CHECKING:
    from core.documents.model import ChunkView, DocumentInfo
    from core.store.db import Database

EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,24}(?![\w-])")
NAME_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿA-ZÀ-ÖØ-Þ'’-]+"
# lower-case particles inside a name, one or several in a row: "van der Meulen", "de la Fuente", "von zu"
NAME_PARTICLES = ("van", "von", "de", "del", "della", "dello", "degli", "dei", "da", "das", "dos", "do", "di", "le", "la",
                  "las", "los", "af", "du", "der", "den", "des", "ten", "ter", "te", "zu", "bin", "al")
NAME_RE = re.compile(rf"{NAME_WORD}(?:[ \t]+(?:(?:{'|'.join(NAME_PARTICLES)})[ \t]+){{0,3}}"
                     rf"{NAME_WORD}){{0,3}}")
ORG_SUFFIX = re.compile(r"\b(?:GmbH|AG|KG|Ltd|Limited|LLC|Inc|Corp|PLC|SAS|SARL|AB|Verlag|Bank|Group|University|"
                        r"Universität|Université|Universidad|Stadtwerke|Kundenservice|Team|Service|Services|Support|"
                        r"Office|Department|Abteilung|Customer|Hospital|Klinik|Studio|Labs?)\b", re.I)
MAIL_FORMATS = {"email", "eml", "mbox", "mail", "msg"}
SENT_FOLDERS = ("sent", "gesendet", "gesendete", "envoy", "enviad", "skickat", "skickade", "inviat", "verzonden",
                "outbox", "postausgang")
ME_WORDS = {"me", "self", "myself", "own", "owner", "ich", "selbst", "moi", "moi-même", "yo", "jag", "mig", "själv",
            "(me)", "my card", "meine karte", "ma fiche", "mi tarjeta", "mitt kort", "yes-me"}
ME_COLUMNS = {"relation", "relationship", "group", "groups", "category", "categories", "type", "label", "labels",
              "tag", "tags", "who", "beziehung", "gruppe", "kategorie", "relación", "relacion", "grupo", "categoría",
              "catégorie", "groupe", "grupp", "kategori", "relation to me", "notes", "note"}
ME_FLAG_COLUMNS = {"me", "self", "is me", "owner", "ich", "moi", "yo", "jag", "is_me", "myself"}
OWN_FILE_WORDS = ("me", "my", "mine", "own", "self", "ich", "mein", "meine", "moi", "mon", "ma", "yo", "mi", "jag",
                  "min", "mitt", "myself", "about")
NOT_NAMES = {"happy", "sorry", "glad", "fine", "here", "back", "home", "done", "sure", "not", "also", "still", "so",
             "very", "just", "going", "looking", "writing", "the", "a", "an", "in", "at", "from", "on", "interested",
             "available", "ready", "hungry", "tired", "excited", "thankful", "grateful", "afraid", "new", "good",
             "dear", "hello", "hi", "thanks", "thank", "best", "regards", "kind", "yours", "sincerely", "cheers",
             "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "tomorrow",
             "ok", "okay", "yes", "no", "english", "german", "french", "spanish", "swedish", "vegetarian", "vegan",
             "american", "british", "scottish", "irish", "welsh", "italian", "polish", "dutch", "canadian",
             "australian", "indian", "chinese", "japanese", "korean", "mexican", "brazilian", "portuguese", "danish",
             "norwegian", "finnish", "austrian", "swiss", "belgian", "greek", "turkish", "russian", "ukrainian",
             "jewish", "muslim", "christian", "catholic", "protestant", "deutsch", "deutscher", "deutsche",
             "française", "français", "español", "española", "svensk", "gay", "single", "married", "retired",
             "pregnant", "allergic", "mum", "mom", "dad", "dr", "doctor", "student", "nurse", "teacher", "engineer"}
NAME_STATEMENTS: list[tuple[re.Pattern[str], float]] = [
    (re.compile(rf"\b(?i:my (?:full )?name is|mein name ist|je m'appelle|je m’appelle|mon nom est|me llamo|mi nombre es|"
                rf"jag heter|mitt namn är|ich heiße|ich heisse) ({NAME_RE.pattern})"), 2.0),
    (re.compile(rf"(?:^|[.!?]\s+|,\s*|\n|\b(?i:hi|hello|hey|hallo|bonjour|hola|hej)[,!]?\s+)(?i:I'm|I’m|I am|Ich bin|Je suis|Soy|Jag är) "
                rf"({NAME_RE.pattern})"), 1.5),
]
VALEDICTIONS = re.compile(
    r"^\s*(?:yours sincerely|yours faithfully|sincerely(?: yours)?|kind regards|best regards|warm regards|best wishes|"
    r"regards|best|cheers|thanks|many thanks|all the best|mit freundlichen grüßen|mit freundlichen grüssen|"
    r"freundliche grüße|viele grüße|liebe grüße|beste grüße|herzliche grüße|lg|vg|"
    r"(?:freundliche |liebe |viele |beste |herzliche |en )?(?:grüsse|gruss|gruess|grüess)|cordialement|bien cordialement|"
    r"bien à vous|salutations distinguées|veuillez agréer[^\n]*|amicalement|bises|atentamente|saludos(?: cordiales)?|"
    r"un saludo|un abrazo|cordialmente|med vänliga hälsningar|vänliga hälsningar|hälsningar|mvh|hälsar)[,.!]?\s*$",
    re.I | re.M)
PAYSLIP_WORDS = re.compile(r"\b(?:payslip|pay slip|pay stub|payroll|salary statement|earnings statement|net pay|"
                           r"gross pay|gehaltsabrechnung|lohnabrechnung|entgeltabrechnung|verdienstabrechnung|"
                           r"bulletin de (?:paie|salaire)|fiche de paie|nómina|nomina|recibo de salario|"
                           r"lönespecifikation|lönebesked)\b", re.I)
INVOICE_WORDS = re.compile(r"\b(?:invoice|rechnung|facture|factura|faktura|receipt|quittung|reçu|recibo|kvitto)\b", re.I)
EMPLOYEE_LABELS = ("employee name", "employee", "name of employee", "mitarbeiter", "mitarbeiterin", "arbeitnehmer",
                   "arbeitnehmerin", "name des mitarbeiters", "beschäftigter", "salarié", "salariée", "employé",
                   "employée", "nom du salarié", "empleado", "empleada", "trabajador", "trabajadora", "anställd",
                   "arbetstagare", "namn", "name", "nom", "nombre")
CUSTOMER_LABELS = ("customer", "customer name", "bill to", "billed to", "invoice to", "kunde", "kundin",
                   "rechnungsempfänger", "client", "cliente", "kund", "destinataire")


@dataclass
class Clue:
    """One piece of evidence that ``name`` / ``email`` is the owner."""

    kind: str
    name: str
    email: str
    weight: float
    detail: str
    source: str = ""


@dataclass
class Owner:
    """The owner as inferred (or confirmed): name, e-mails, the score and the lines that support it."""

    name: str = ""
    emails: list[str] = field(default_factory=list)
    score: float = 0.0
    evidence: list[str] = field(default_factory=list)
    confirmed: bool = False
    others: list[tuple[str, float]] = field(default_factory=list)   # runners-up: (name or e-mail, score)
    aliases: list[str] = field(default_factory=list)                 # other full names of the same person

    @property
    def known(self) -> bool:
        return bool(self.name or self.emails)

    @property
    def signature(self) -> str:
        """What the facts depend on: the name and the e-mails, folded."""
        return fold(self.name) + "|" + ",".join(sorted(e.casefold() for e in self.emails))

    @property
    def given_name(self) -> str:
        words = [w for w in self.name.split() if w.rstrip(".").lower() not in ("dr", "mr", "mrs", "ms", "prof")]
        return words[0] if words else ""

    def is_name(self, name: str) -> bool:
        """Whether ``name`` names the owner: the full name, "Family, Given", or the given name alone."""
        if not self.name or not name.strip():
            return False
        n = plain(fold(strip_salutation(normal_name(name))))   # "MME FONTAINE AURELIE" is Aurélie Fontaine
        full = plain(fold(self.name))
        words = full.split()
        middle = re.fullmatch(r"(\S+)\s+[^\W\d_]\.?\s+(.+)", n)   # "Renee M Kowalczyk", "Renee M. Kowalczyk"
        if middle and len(words) >= 2 and middle.group(1) == words[0] and middle.group(2) == " ".join(words[1:]):
            return True
        initial = re.fullmatch(r"([^\W\d_])\.?\s+(.+)", n)   # "T. van der Meulen", "J. Moreno Castillo"
        if initial and len(words) >= 2 and initial.group(1) == words[0][0] and initial.group(2) in {
                " ".join(words[k:]) for k in range(1, len(words))}:
            return True
        return (n == full or (n == plain(fold(self.given_name)) and len(n) >= 2) or n == " ".join(full.split()[::-1])
                or any(n == plain(fold(a)) for a in self.aliases))

    def is_email(self, email: str) -> bool:
        return bool(email) and email.strip().casefold() in {e.casefold() for e in self.emails}

    def mentioned_in(self, text: str) -> bool:
        """The owner's full name or one of their e-mails occurs in ``text``."""
        low = text.casefold()
        words = fold(self.name).split()
        if len(words) >= 2 and re.search(rf"(?<!\w){re.escape(words[0])}\s+\w\.?\s+{re.escape(' '.join(words[1:]))}(?!\w)",
                                         fold(text)):
            return True   # "Renee M Kowalczyk": a middle initial between the given and the family name
        return (bool(self.name) and " " in self.name and fold(self.name) in fold(text)) or any(
            e.casefold() in low for e in self.emails)


def fold(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).casefold().replace("ß", "ss")
    return re.sub(r"\s+", " ", t).strip()


def plain(text: str) -> str:
    """``text`` without accents: names in capitals often lose theirs (AURELIE for Aurélie)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normal_name(name: str) -> str:
    """``"Novak, Ada"`` -> ``"Ada Novak"``; quotes and spacing dropped."""
    name = re.sub(r"\s+", " ", name.strip().strip("\"'")).strip()
    if name.count(",") == 1:
        family, given = (p.strip() for p in name.split(","))
        if family and given and len(family.split()) <= 2 and len(given.split()) <= 2:
            name = f"{given} {family}"
    return name


SALUTATION = re.compile(
    r"^(?:(?:dr|mr|mrs|ms|prof|dipl|ing|herr|frau|hr|fr|m|mme|mlle|monsieur|madame|sr|sra|srta|doña|dña|d|"
    r"de heer|mevrouw|mevr|dhr|mw|sig|sig\.ra|signor|signora|gentile|egregio|egregia|spett\.le|dott|dott\.ssa|avv|"
    r"herrn)\.?\s+)+", re.I)


def strip_salutation(text: str) -> str:
    """``"De heer T. van der Meulen"`` -> ``"T. van der Meulen"``; ``"Herr Dr. Max Weber"`` -> ``"Max Weber"``."""
    return SALUTATION.sub("", text.strip())


def person_name(text: str, max_words: int = 4) -> str:
    """``text`` when it reads as a person's name (1-4 capitalised words, not a common word), else ""."""
    text = normal_name(text)
    text = strip_salutation(text)
    if not text or len(text) > 60 or not NAME_RE.fullmatch(text):
        return ""
    words = [w for w in text.split() if w not in NAME_PARTICLES]
    if len(words) > max_words or any(w.lower() in NOT_NAMES for w in words) or ORG_SUFFIX.search(text):
        return ""
    return text


# ---- clues from one document ---------------------------------------------------------------------------------
def _is_sent_folder(doc: DocumentInfo) -> bool:
    parts = [p.casefold() for p in PurePath(doc.path).parts[-3:]]
    return any(re.search(rf"(?:^|[^a-zà-ÿ]){w}", p) for p in parts for w in SENT_FOLDERS)


def _own_file(name: str) -> bool:
    stem = re.split(r"[^a-zäöüåéèà]+", PurePath(name).stem.casefold())
    return any(w in OWN_FILE_WORDS for w in stem)


def mail_clues(doc: DocumentInfo, chunks: Iterable[ChunkView]) -> list[Clue]:
    """Senders of sent mail; in other mailboxes every address in From and To/Cc (added up over the mails,
    the owner's address is the one in nearly every mail, as sender or recipient). One pass over the
    chunks, as they come: a mailbox's do not have to fit in memory."""
    sent = _is_sent_folder(doc)
    out: list[Clue] = []
    seen: set[object] = set()  # the mails read (a mail's chunks after its first add nothing)
    for ch in chunks:
        key = (ch.meta.get("mail_index"), ch.meta.get("message_id"))
        if key in seen or "from" not in ch.meta:
            continue
        seen.add(key)
        name, addr = parseaddr(str(ch.meta.get("from", "")))
        head = ch.text.partition("\n\n")[0]
        rcpt = getaddresses([str(ch.meta.get("to", ""))] + re.findall(r"^Cc:\s*(.*)$", head, re.M))
        if sent and addr:
            out.append(Clue("sent-mail", person_name(name), addr, 1.0, "sender of {n} of your sent mails", doc.name))
            continue
        if addr:
            out.append(Clue("mail-from", person_name(name), addr, 0.25, "sender of {n} mails in your mailbox", doc.name))
        for rname, raddr in rcpt[:4]:
            if raddr and EMAIL_RE.fullmatch(raddr):
                out.append(Clue("mail-to", person_name(rname), raddr, 0.35 if len(rcpt) <= 2 else 0.15,
                                "recipient of {n} mails", doc.name))
    if not sent and seen:
        out.insert(0, Clue("mail-count", "", "", float(len(seen)), "", doc.name))
    return out


def csv_header(first_line: str) -> list[str]:
    """The column names when a table's first row is a header the importer did not recognise
    (``Name; E-mail; Phone; Relation``), else []."""
    cells = [c.strip() for c in first_line.split("; ")]
    # Google's and Outlook's numbered columns ("E-mail 1 - Value", "Phone 2 - Type") are names, not data
    if len(cells) >= 2 and all(c and not re.search(r"[\d@]", re.sub(r"\s\d{1,2}(?=\s-\s|$)", "", c)) and len(c.split()) <= 4 for c in cells) and any(
            c.casefold() in NAME_COLUMNS + GIVEN_COLUMNS or "mail" in c.casefold() for c in cells):
        return [c.casefold() for c in cells]
    return []


def _cells(row_text: str, header: Sequence[str] = ()) -> dict[str, str]:
    """One table row as {column: value}: ``col: v; col: v`` rows, rows under a known header, or (when
    empty cells were dropped) cells recognised by their content."""
    from core.persona.people import note_relation   # people reads owner's names: imported when first needed

    cells: dict[str, str] = {}
    parts = row_text.split("; ")
    for part in parts:
        k, sep, v = part.partition(": ")
        if sep and len(k) <= 40 and re.fullmatch(r"[^\W_][\w .()/&+'-]*", k.strip()):   # not "* myContacts ::: Family"
            cells[k.strip().casefold()] = v.strip()
    if cells or not header:
        return cells
    if len(parts) == len(header):
        return {h: v.strip() for h, v in zip(header, parts) if v.strip()}
    for v in (p.strip() for p in parts):
        low = v.casefold()
        if EMAIL_RE.fullmatch(v):
            cells.setdefault("email", v)
        elif re.fullmatch(r"\+?[\d ()./-]{7,22}", v) and not re.fullmatch(r"\d{4}-\d\d-\d\d|\d{1,2}[./]\d{1,2}[./]\d{2,4}", v):
            cells.setdefault("phone", v)
        elif low in ME_WORDS:
            cells["relation"] = low
        elif "relation" not in cells and (rel := note_relation(v)):   # a note that names it: "my boyfriend :)"
            cells["relation"] = rel
        elif person_name(v) and "name" not in cells:
            cells["name"] = v
        elif re.fullmatch(r"[a-zà-ÿ -]{2,20}", v) and "relation" not in cells:
            cells["relation"] = low
    return cells


NAME_COLUMNS = ("name", "full name", "display name", "fullname", "formatted name", "vollständiger name", "nom complet",
                "nombre completo", "fullständigt namn", "namn", "nom", "nombre", "kontakt", "contact")
GIVEN_COLUMNS = ("first name", "given name", "firstname", "vorname", "prénom", "prenom", "nombre", "förnamn",
                 "fornamn")
FAMILY_COLUMNS = ("last name", "family name", "surname", "lastname", "nachname", "familienname", "nom",
                  "nom de famille", "apellido", "apellidos", "efternamn")


def row_name(cells: dict[str, str]) -> str:
    given = next((cells[c] for c in GIVEN_COLUMNS if cells.get(c)), "")
    family = next((cells[c] for c in FAMILY_COLUMNS if cells.get(c) and cells[c] != given), "")
    if given and family:
        return person_name(f"{given} {family}")
    for c in NAME_COLUMNS:
        if cells.get(c) and person_name(cells[c]):
            return person_name(cells[c])
    return ""


def row_email(cells: dict[str, str]) -> str:
    for k, v in cells.items():
        if "mail" in k:
            m = EMAIL_RE.search(v)
            if m:
                return m.group(0)
    return ""


def row_is_me(cells: dict[str, str]) -> bool:
    for k, v in cells.items():
        v = v.strip().casefold()
        if k in ME_FLAG_COLUMNS and v in ("yes", "y", "true", "1", "x", "ja", "oui", "sí", "si", "✓"):
            return True
        if (k in ME_COLUMNS or k.endswith(" type")) and (v in ME_WORDS or v.strip("()[] ") in ME_WORDS):
            return True
    return False


def table_header(chunks: Sequence[ChunkView]) -> list[str]:
    first = min(chunks, key=lambda c: c.ordinal, default=None)
    return csv_header(first.text.splitlines()[0]) if first is not None and first.text else []


def contacts_clues(doc: DocumentInfo, chunks: Sequence[ChunkView]) -> list[Clue]:
    out: list[Clue] = []
    header = table_header(chunks)
    for ch in chunks:
        for line in ch.text.splitlines():
            cells = _cells(line, header)
            if cells and row_is_me(cells):
                name, email = row_name(cells), row_email(cells)
                if name or email:
                    out.append(Clue("contacts-me", name, email, 3.0, f"the 'me' row in {doc.name}", doc.name))
    return out


def vcard_clues(doc: DocumentInfo, chunks: Sequence[ChunkView]) -> list[Clue]:
    cards = [c.meta["vcard"] for c in chunks if c.meta.get("vcard")]
    if len(cards) != 1:
        return []
    card = cards[0]
    fn = card.get("fn")
    fn = fn[0] if isinstance(fn, list) and fn else fn
    emails = card.get("email") if isinstance(card.get("email"), list) else [card.get("email")]
    email = next((str(e) for e in emails if e and EMAIL_RE.fullmatch(str(e))), "")
    name = person_name(str(fn or ""))
    if not (name or email):
        return []
    own = _own_file(doc.name)
    return [Clue("vcard", name, email, 2.5 if own else 1.0,
                 f"the card in {doc.name}" + (" (named as yours)" if own else " (its only card)"), doc.name)]


def statement_clues(text: str, source: str, weight_scale: float = 1.0, kind: str = "statement") -> list[Clue]:
    """"My name is X", "I'm X", and the same in German, French, Spanish and Swedish."""
    out: list[Clue] = []
    for pat, w in NAME_STATEMENTS:
        for m in pat.finditer(text):
            raw = m.group(1)
            name = person_name(raw)
            if not name:
                continue
            if w < 2.0 and len(name.split()) < 2 and not re.search(r"\b(?i:I'm|I’m|I am|Ich bin|Je suis|Soy|Jag är) " + re.escape(raw)
                                                                    + r"\s*(?:[,.!]|and\b|und\b|et\b|y\b|och\b)", text):
                continue
            quote = m.group(0).strip(" ,.\n")
            quote = re.sub(r"^(?:[.!?]\s+|,\s*)", "", quote)
            out.append(Clue(kind, name, "", w * weight_scale, f"'{quote}' in {source}", source))
    return out


def user_turns(text: str, max_chars: int = 800) -> str:
    """The user's own turns of a chat export chunk (``user: ...`` up to the next ``assistant: ...``); a very
    long turn is a pasted document (a letter to proofread), not the user talking about themselves."""
    turns: list[str] = []
    current: list[str] | None = None
    for ln in text.splitlines():
        if ln.startswith(("user: ", "assistant: ", "system: ", "tool: ")):
            if current is not None:
                turns.append("\n".join(current))
            current = [ln[6:]] if ln.startswith("user: ") else None
        elif current is not None:
            current.append(ln)
    if current is not None:
        turns.append("\n".join(current))
    return "\n".join(t for t in turns if len(t) <= max_chars)


def labelled_name(text: str, labels: Iterable[str]) -> str:
    """The person name after the first of ``labels`` (``Employee: Ada Novak``, ``Mitarbeiter  Ada Novak``)."""
    for lab in labels:
        m = re.search(rf"^[ \t]*{re.escape(lab)}[ \t]*(?:[:#]|\t| {{2,}})[ \t]*([^\n]{{2,60}})$", text, re.I | re.M)
        if m:
            value = re.split(r"\s{2,}|\t|\s\|\s", m.group(1).strip())[0]
            name = person_name(value)
            if name:
                return name
    return ""


def letter_signer(text: str) -> str:
    """The name under the closing of a letter or mail ("Kind regards,\\nAda Novak")."""
    found = ""
    for m in VALEDICTIONS.finditer(text):
        tail = [ln.strip() for ln in text[m.end():].splitlines() if ln.strip()][:2]
        for ln in tail[:2]:
            name = person_name(re.split(r"\s[|,–-]\s|,\s", ln)[0])
            if name and len(name.split()) >= 2:
                found = name
                break
    return found


def sender_block_name(text: str) -> str:
    """A letter's sender block: a name line at the very top followed by a street line and a postal line."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:4]
    if len(lines) < 3:
        return ""
    name = person_name(lines[0])
    if name and len(name.split()) >= 2 and re.search(r"\d", lines[1]) and re.search(r"\d{3,}", lines[1] + lines[2]):
        return name
    return ""


def document_clues(doc: DocumentInfo, chunks: Iterable[ChunkView]) -> list[Clue]:
    """Every clue one imported document gives (a mailbox's chunks are read once, as they come)."""
    if doc.format.lower() in MAIL_FORMATS:
        out = mail_clues(doc, chunks)
    else:
        out = _other_clues(doc, list(chunks))  # other files are bounded by the import's size limits
    if doc.meta.get("owner") == "self":
        for c in out:
            c.weight *= 2.0
            c.detail += " (imported as yours)"
    return out


def _other_clues(doc: DocumentInfo, chunks: Sequence[ChunkView]) -> list[Clue]:
    if not chunks:
        return []
    fmt = doc.format.lower()
    out: list[Clue] = []
    if any("from" in c.meta for c in chunks):
        out += mail_clues(doc, chunks)
    elif fmt in ("vcard", "vcf") or any(c.meta.get("vcard") for c in chunks):
        out += vcard_clues(doc, chunks)
    elif fmt in ("csv", "tsv"):
        out += contacts_clues(doc, chunks)
    elif fmt == "chatgpt":
        for ch in chunks:
            out += statement_clues(user_turns(ch.text), doc.name, 1.0, "chat-turn")
    elif fmt == "whatsapp":
        senders = {str(c.meta.get("sender")) for c in chunks if c.meta.get("sender")}
        names = [n for n in (person_name(str(s)) for s in doc.meta.get("participants") or sorted(senders)) if n]
        # "WhatsApp Chat with Lukas Hoffmann.txt": the export is the owner's, so the other participant is the owner
        # (iOS exports "_chat.txt" inside a folder "WhatsApp Chat - Julien Marchal")
        path = PurePath(doc.path)
        title = path.parent.name if path.stem.casefold() in ("_chat", "chat") else path.stem
        m = EXPORT_TITLE.search(title)
        partner = fold(m.group(1)) if m else ""
        for name in names:
            if partner and len(names) == 2 and fold(name) != partner:
                out.append(Clue("chat-participant", name, "", 1.2, f"your side of {doc.name}", doc.name))
            elif not partner:
                out.append(Clue("chat-participant", name, "", 0.3, "a participant of {n} chat exports", doc.name))
    else:
        text = "\n".join(c.text for c in sorted(chunks, key=lambda c: c.ordinal))
        out += statement_clues(text, doc.name)
        if PAYSLIP_WORDS.search(text):
            name = labelled_name(text, EMPLOYEE_LABELS)
            if name:
                out.append(Clue("payslip", name, "", 2.0, f"the employee on {doc.name}", doc.name))
        elif INVOICE_WORDS.search(text[:3000]):
            name = labelled_name(text, CUSTOMER_LABELS)
            if name:
                out.append(Clue("invoice", name, "", 1.0, f"the customer on {doc.name}", doc.name))
        top, signer = sender_block_name(text), letter_signer(text)
        if signer:
            out.append(Clue("letter", signer, "", 1.5 if fold(top) == fold(signer) else 0.6,
                            f"signed {doc.name}", doc.name))
        elif top:
            out.append(Clue("letter", top, "", 0.6, f"the sender block of {doc.name}", doc.name))
    return out


# ---- inference -----------------------------------------------------------------------------------------------
CAPS = {"sent-mail": 4.0, "mail-from": 1.0, "mail-to": 2.0, "contacts-me": 3.0, "vcard": 2.5, "statement": 2.5,
        "chat-turn": 2.5, "message": 3.0, "payslip": 2.5, "invoice": 1.2, "letter": 1.5, "chat-participant": 1.2}
MIN_SCORE = 1.0
# A chat export's title names the other person: "WhatsApp Chat with X", "Chat WhatsApp con X", "Chat de WhatsApp con
# X", "WhatsApp-chat met X", "WhatsApp-chatt med X", "Discussion WhatsApp avec X", "WhatsApp Chat - X".
EXPORT_TITLE = re.compile(r"(?i:(?:chat|chatt|discussion|conversa|unterhaltung)(?:\s+(?:de|do|da))?(?:\s+whatsapp)?\s+"
                          r"(?:with|mit|avec|con|med|met|com)|whatsapp[ -]chatt?\s+-)\s+(.+)$")
MAILBOX_WEIGHT = 3.0


def infer_owner(clues: Sequence[Clue]) -> Owner:
    """Group clues into identities (a name and an e-mail seen together, a given name and the full name it
    starts) and return the best supported one, its evidence lines and the runners-up."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    nodes: list[list[str]] = []
    for c in clues:
        ids = ([f"e:{c.email.casefold()}"] if c.email else []) + ([f"n:{fold(c.name)}"] if c.name else [])
        for i in ids:
            find(i)
        if len(ids) == 2:
            union(ids[0], ids[1])
        nodes.append(ids)
    full = {n for n in parent if n.startswith("n:") and " " in n}
    for a in full:   # "Lucía Fernández" is "Lucía Fernández García"; "Ada Novak" is "Ada Maria Novak"
        for b in full:
            wa, wb = a[2:].split(), b[2:].split()
            if a < b and wa[0] == wb[0] and (set(wa) < set(wb) or set(wb) < set(wa)) and min(len(wa), len(wb)) >= 2:
                union(a, b)
    for a in full:   # "Bergström Linnea" (a payslip's order) is "Linnea Bergström"
        rev = "n:" + " ".join(a[2:].split()[::-1])
        if rev in full and a < rev:
            union(a, rev)
    for n in list(parent):   # "Ada" joins "Ada Novak" when that is the only full name it starts
        if n.startswith("n:") and " " not in n:
            hits = {find(f) for f in full if f[2:].split()[0] == n[2:]}
            if len(hits) == 1:
                union(n, hits.pop())
    groups: dict[str, list[Clue]] = defaultdict(list)
    for c, ids in zip(clues, nodes):
        if ids:
            groups[find(ids[0])].append(c)
    total_mails = sum(c.weight for c in clues if c.kind == "mail-count")
    scored: list[tuple[float, list[Clue]]] = []
    for cs in groups.values():
        by_kind: dict[str, float] = defaultdict(float)
        for c in cs:
            by_kind[c.kind] += c.weight
        # in a mailbox the owner is in (nearly) every mail, as sender or recipient; a correspondent in a few
        share = min(1.0, sum(1 for c in cs if c.kind in ("mail-from", "mail-to")) / total_mails) if total_mails else 0.0
        score = sum(min(CAPS.get(k, 1.0), w) for k, w in by_kind.items() if k not in ("mail-from", "mail-to"))
        score += MAILBOX_WEIGHT * share ** 2 if total_mails >= 2 else MAILBOX_WEIGHT * 0.25 * share
        kinds = set(by_kind)
        if "mail-from" in kinds and "mail-to" in kinds and share >= 0.4:   # sender of some, recipient of others
            score += 1.0
        if len(kinds - {"mail-from", "mail-to", "chat-participant"}) >= 2:
            score += 0.5
        scored.append((score, cs))
    scored.sort(key=lambda t: t[0], reverse=True)
    if not scored or scored[0][0] < MIN_SCORE:
        return Owner(others=[(_label(cs), round(s, 2)) for s, cs in scored[:3]])
    score, cs = scored[0]
    owner = Owner(name=_best_name(cs), emails=_best_emails(cs), score=round(score, 2), evidence=_evidence(cs))
    owner.aliases = sorted({c.name for c in cs if c.name and " " in c.name and fold(c.name) != fold(owner.name)})
    owner.others = [(_label(o), round(s, 2)) for s, o in scored[1:4]]
    return owner


def _best_name(cs: Sequence[Clue]) -> str:
    w: dict[str, float] = defaultdict(float)
    shown: dict[str, str] = {}
    for c in cs:
        if c.name:
            w[fold(c.name)] += c.weight * (1.5 if len(c.name.split()) >= 2 else 1.0)
            shown.setdefault(fold(c.name), c.name)
    if not w:
        return ""
    multi = {k: v for k, v in w.items() if " " in k}
    for k in list(multi):   # both orders seen: the given-name-first spelling counts for both
        rev = " ".join(k.split()[::-1])
        if rev in multi and rev != k:
            multi[k] = multi[rev] = multi[k] + multi[rev]
    pool = multi or w
    best = max(pool.values())
    tied = [k for k in pool if pool[k] == best]
    given_first = [k for k in tied if " ".join(k.split()[::-1]) in pool and any(
        c.kind in ("mail-from", "mail-to", "sent-mail", "statement", "letter", "chat-participant") and fold(c.name) == k
        for c in cs)]
    return shown[(given_first or [max(pool, key=lambda k: pool[k])])[0]]


def _best_emails(cs: Sequence[Clue]) -> list[str]:
    w: dict[str, float] = defaultdict(float)
    for c in cs:
        if c.email:
            w[c.email.casefold()] += c.weight
    return [e for e, v in sorted(w.items(), key=lambda t: -t[1]) if v >= 0.5 or v >= max(w.values()) * 0.5][:4]


def _evidence(cs: Sequence[Clue]) -> list[str]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    weights: dict[tuple[str, str], float] = defaultdict(float)
    for c in cs:
        counts[(c.detail, c.source)] += 1
        weights[(c.detail, c.source)] += c.weight
    lines = []
    for (detail, source), n in sorted(counts.items(), key=lambda t: -weights[t[0]]):
        lines.append(detail.replace("{n}", str(n)) + (f" ({source})" if "{n}" in detail and source else ""))
    return lines[:12]


def _label(cs: Sequence[Clue]) -> str:
    return _best_name(cs) or next((c.email for c in cs if c.email), "?")


# ---- storage -------------------------------------------------------------------------------------------------
class OwnerStore:
    """The clues of every document and message, and the owner the user confirmed or set."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: Owner | None = None
        self._lock = threading.RLock()   # the import thread writes clues while the persona worker reads the owner

    def replace(self, source_ref: str, clues: Sequence[Clue], document_id: int | None = None) -> None:
        with self._lock, self.db.session() as s:
            s.exec(delete(PersonaOwnerClue).where(PersonaOwnerClue.source_ref == source_ref))  # type: ignore[arg-type]
            for c in clues:
                s.add(PersonaOwnerClue(source_ref=source_ref, document_id=document_id, kind=c.kind, name=c.name,
                                       email=c.email, weight=c.weight, detail=c.detail, source=c.source))
        self._cache = None

    def add(self, source_ref: str, clues: Sequence[Clue]) -> None:
        """Add clues of a message (its earlier clues stay)."""
        if not clues:
            return
        with self._lock, self.db.session() as s:
            known = {(r.kind, r.name, r.email) for r in s.exec(select(PersonaOwnerClue).where(
                PersonaOwnerClue.source_ref == source_ref))}
            for c in clues:
                if (c.kind, c.name, c.email) not in known:
                    s.add(PersonaOwnerClue(source_ref=source_ref, kind=c.kind, name=c.name, email=c.email,
                                           weight=c.weight, detail=c.detail, source=c.source))
        self._cache = None

    def clues(self) -> list[Clue]:
        with self.db.session() as s:
            rows = list(s.exec(select(PersonaOwnerClue)))
        return [Clue(r.kind, r.name, r.email, r.weight, r.detail, r.source) for r in rows]

    def _row(self) -> PersonaOwner | None:
        with self.db.session() as s:
            return s.exec(select(PersonaOwner)).first()

    def current(self) -> Owner:
        """The confirmed owner when there is one, else the inferred one."""
        with self._lock:
            return self._current()

    def _current(self) -> Owner:
        if self._cache is not None:
            return self._cache
        row = self._row()
        inferred = infer_owner(self.clues())
        inferred.others = [(n, sc) for n, sc in inferred.others
                           if not (row is not None and row.confirmed and fold(n) == fold(row.name))]
        if row is not None and row.confirmed:
            owner = Owner(row.name, list(row.emails), 99.0, ["set by you (mnemo whoami --set)"] + inferred.evidence
                          if inferred.signature == Owner(row.name, list(row.emails)).signature
                          else ["set by you (mnemo whoami --set)"], True, inferred.others)
        else:
            owner = inferred
        self._cache = owner
        return owner

    def confirm(self, name: str, emails: Sequence[str]) -> Owner:
        with self._lock, self.db.session() as s:
            row = s.exec(select(PersonaOwner)).first() or PersonaOwner()
            row.name, row.emails, row.confirmed, row.updated_at = name, list(emails), True, utcnow()
            s.add(row)
        self._cache = None
        return self.current()

    def clear(self) -> None:
        """Drop the user's setting: the owner is inferred again."""
        with self._lock, self.db.session() as s:
            row = s.exec(select(PersonaOwner)).first()
            if row is not None:
                row.confirmed, row.name, row.emails = False, "", []
                s.add(row)
        self._cache = None

    def extracted_for(self) -> str:
        row = self._row()
        return row.extracted_for if row is not None else ""

    def set_extracted_for(self, signature: str) -> None:
        with self.db.session() as s:
            row = s.exec(select(PersonaOwner)).first() or PersonaOwner()
            row.extracted_for, row.updated_at = signature, utcnow()
            s.add(row)


def parse_owner_spec(spec: str) -> tuple[str, list[str]]:
    """``"Ada Novak <ada@example.org>"`` (or a name, or an e-mail, several e-mails comma-separated)."""
    emails = EMAIL_RE.findall(spec)
    name = EMAIL_RE.sub(" ", spec)
    name = re.sub(r"[<>(),;\"]", " ", name)
    name = re.sub(r"\s+", " ", name).strip()
    return name, emails
