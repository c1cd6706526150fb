"""The persona service (Second Me's L1): keeps facts, topics and biography in step with L0.

Imported documents are read by the rules at once (regex only, milliseconds); the model
pass, topic placement and the biography run on one background worker, so neither an
import nor a chat ever waits for them. Conversations are read after each answer (the
user's messages only). ``refresh`` catches up with everything synchronously (CLI, eval).
"""
from __future__ import annotations

import hashlib
import os
import logging
import re
import threading
from collections import OrderedDict
from datetime import datetime, timezone
from itertools import islice
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from core.errors import Cancelled, MnemoError
from core.jobs import CancelToken, Progress, ProgressFn, no_progress, token_or_new
from core.persona.bio import BioStore
from core.persona.crypto import FactCipher
from core.persona.extract import model_candidates, worth_asking
from core.persona.facts import FactStore
from core.persona.keys import label, mask
from core.persona.provider import PersonaContextProvider
from core.persona.owned import Reading, partner_names, read_chunk
from core.persona.owner import (EMAIL_RE, Owner, OwnerStore, document_clues, fold, person_name, statement_clues,
                                table_header)
from core.persona.answers import FactAnswers
from core.persona.people import PeopleStore, Person, relation_mentions
from core.persona.phones import phone_e164
from core.persona.regions import region_from_contacts, region_from_state, region_hint
from core.persona.rules import Candidate, _typed, clean_phone, dedupe, extract_rules, from_vcard, split_name
from core.persona.tables import PersonaSeen, now_s
from core.persona.topics import TopicStore
from core.persona.values import parse_date, set_month_first
from core.ports import ChatModel, ChatModelLoader, DocumentSource, EmbedderLoader, MemoryList, TextEmbedder, VectorStore

if TYPE_CHECKING:
    from core.chat.store import ConversationStore
    from core.documents.model import ChunkView, DocumentInfo
    from core.secrets import SecretStore
    from core.settings import SettingsStore
    from core.store.db import Database
    from core.store.tables import Message

log = logging.getLogger(__name__)

MAIL_FORMATS = {"email", "eml", "mbox", "mail", "msg"}
_MATERIAL_BATCH = 2048   # topic material handed to the topics at once by a refresh


_LETTER_DATE = re.compile(r"^\s*[A-ZÀ-Ž][\w .'-]{1,30}?(?:,\s+|\s+(?=den\s))(?:le\s+|den\s+|el\s+|am\s+)?(\d{1,2}\.?\s?[^\n]{3,22}\d{4})\s*$", re.M)


def document_time(doc: DocumentInfo, ch: ChunkView) -> float | None:
    """When a chunk was written: its mail or chat date, else a date in the file's name (journal-2024-04.txt),
    else the file's modification time (None when unknown: the store uses now)."""
    date = str(ch.meta.get("date") or "")
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", date) or re.search(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])(?:[-_.]?(\d{2}))?(?!\d)",
                                                                 doc.name)
    if m:
        try:
            return datetime(int(m[1]), int(m[2]), int(m[3] or 1), tzinfo=timezone.utc).timestamp()
        except ValueError:
            pass
    dated = _LETTER_DATE.search(ch.text[:1500])   # a letter's "Leipzig, 2 April 2025"
    iso = parse_date(dated.group(1)) if dated else None
    if iso:
        return datetime.fromisoformat(iso).replace(tzinfo=timezone.utc).timestamp()
    try:
        return os.stat(doc.path).st_mtime
    except OSError:
        return None


def _no_embedder() -> TextEmbedder:
    raise MnemoError("The persona's topics need an embedder, and none was given.")


class PersonaService:
    """Facts, topics, biography and the chat provider that puts them into the prompt."""

    def __init__(self, db: Database, vectors: VectorStore, secrets: SecretStore, settings: SettingsStore,
                 conversations: ConversationStore | None = None, documents: DocumentSource | None = None,
                 llm: ChatModelLoader | None = None, embedder: EmbedderLoader | None = None,
                 model_extraction: bool = True, llm_ready: Callable[[], bool] | None = None,
                 memories: MemoryList | None = None, mask: Callable[[str], str] | None = None) -> None:
        self.db = db
        # masks the sensitive values found in documents (core.privacy): applied to what the persona writes
        # (topic snippets and names, the biography) and to what it shows the model, unless the settings allow it
        self._mask = mask or (lambda t: t)
        self.settings = settings
        self.conversations = conversations
        self._documents = documents
        self._memories = memories   # RMM's memory service: its summaries join topics
        self._llm = llm
        self._llm_ready = llm_ready or (lambda: True)
        self._in_refresh = False
        self._embedder = embedder
        self.model_extraction = model_extraction and llm is not None
        self.cipher = FactCipher(secrets.get_or_create_fernet_key)
        self.facts = FactStore(db, self.cipher)
        self.topics = TopicStore(db, vectors, embedder or _no_embedder, self._model if llm else None,
                                 redact=self._redact_written, stop_words=self._name_words)
        self.bio = BioStore(db, self._model if llm else None, redact=self._redact_written)
        self.provider = PersonaContextProvider(self)
        self._sensitive: list[str] | None = None
        self._card_counts: dict[int, int] = {}   # vCards per document (an address book is not the user's card)
        self._doc_cache: dict[int, DocumentInfo] = {}
        self._headers: dict[int, list[str]] = {}
        self._others: tuple[int, set[str]] = (-1, set())
        self._extract_lock = threading.RLock()   # owner-keyed reading and re-reading for a new owner, one at a time
        self.owners = OwnerStore(db)
        self.people = PeopleStore(db)
        self.answers = FactAnswers(self.facts, self.people)   # fact questions, answered from stored values
        self._jobs: "OrderedDict[str, Callable[[CancelToken], object]]" = OrderedDict()
        self._cond = threading.Condition()
        self._busy = False
        self._stop = False
        self._cancel = CancelToken()
        self._thread: threading.Thread | None = None
        self.facts.on_change(self._facts_changed)
        self.facts.on_forget(self._forgotten)

    def _redact_written(self, text: str) -> str:
        """What the persona writes itself: known sensitive facts and sensitive values masked."""
        return self._mask(self.redact(text))

    def _for_model(self, text: str) -> str:
        """Document text as the model may see it (``privacy.sensitive_in_prompt``)."""
        return text if self.settings.settings.privacy.sensitive_in_prompt else self._mask(text)

    def _name_words(self) -> set[str]:
        words: set[str] = set()
        for key in ("name", "given-name", "family-name", "partner-name", "email"):
            f = self.facts.get(key)
            if f is not None:
                words.update(w.lower() for w in re.findall(r"[A-Za-zÀ-ž]{3,}", f.value))
        return words

    def _model(self) -> ChatModel | None:
        """The chat model, but only when it is loaded already (background work never loads it) or during
        an explicit ``refresh``; None otherwise (the caller falls back to rules, keywords, a template)."""
        if self._llm is None or not (self._in_refresh or self._llm_ready()):
            return None
        return self._llm()

    def set_model_use(self, extraction: bool, writing: bool = True) -> None:
        """Turn model extraction (facts) and model writing (topic names, biography) on or off."""
        self.model_extraction = extraction and self._llm is not None
        self.topics._llm = self._model if (writing and self._llm) else None
        self.bio._llm = self._model if (writing and self._llm) else None

    # ---- wiring -----------------------------------------------------------------------------------------------
    def attach(self, documents: bool = True) -> None:
        """Listen to conversations, and to imports unless ``documents`` is False (the caller then passes each
        change on through ``document_changed``)."""
        if documents and self._documents is not None:
            self._documents.add_listener(self._on_document)
        if self.conversations is not None:
            self.conversations.on_message(self._on_message)

    def document_changed(self, event: str, document_id: int) -> None:
        """A document was imported, updated or forgotten (what the listener ``attach`` registers does)."""
        self._on_document(event, document_id)

    def _on_document(self, event: str, document_id: int) -> None:
        with self._extract_lock:   # the worker's reading of this document waits (or finds it gone)
            self._document_event(event, document_id)

    def _document_event(self, event: str, document_id: int) -> None:
        self._card_counts.pop(document_id, None)
        self._doc_cache.pop(document_id, None)
        self._headers.pop(document_id, None)
        try:
            if event in ("updated", "forgotten"):
                self.facts.remove_sources(document_id=document_id)
                self.topics.remove(document_id=document_id)
                self.people.remove_document(document_id)
            if event == "forgotten":
                self.owners.replace(f"doc:{document_id}", [], document_id)
                self.settle_owner()
            if event in ("imported", "updated"):
                self._document_clues(document_id)
                self.settle_owner(skip=document_id)
                self.extract_document(document_id, use_model=False)
                self.schedule(f"doc:{document_id}", lambda c: self._document_background(document_id, c))
            else:
                self.schedule("bio", lambda c: self.update_bio())
        except Exception:  # the import itself must not fail because of the persona
            log.exception("persona could not process document %s (%s)", document_id, event)

    def _on_message(self, conversation_id: int, message: Message) -> None:
        if message.role == "assistant":  # the answer is done: the model is free again
            self.schedule(f"conv:{conversation_id}", lambda c: self.extract_conversation(conversation_id))

    def _facts_changed(self, keys: set[str]) -> None:
        self._sensitive = None
        if self._thread is not None:
            self.schedule("bio", lambda c: self.update_bio())

    def _forgotten(self, key: str, values: list[str]) -> None:
        self._sensitive = None
        self.bio.scrub(values)
        self.topics.scrub(values)
        self.facts.checkpoint()

    # ---- background worker ------------------------------------------------------------------------------------
    def schedule(self, name: str, job: Callable[[CancelToken], object]) -> None:
        """Run ``job`` on the persona worker (a job already waiting under ``name`` is replaced)."""
        with self._cond:
            if self._stop:
                return
            self._jobs.pop(name, None)
            self._jobs[name] = job
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="persona-worker", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._stop:
                    self._cond.wait()
                if self._stop:
                    return
                name, job = self._jobs.popitem(last=False)
                self._busy = True
            try:
                job(self._cancel)
            except Cancelled:
                pass
            except Exception:
                log.exception("persona job %s failed", name)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def flush(self, timeout: float = 300.0) -> bool:
        """Wait until the worker has nothing left to do; return whether it finished in time."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._jobs and not self._busy, timeout)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._jobs.clear()
            self._cancel.cancel()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)

    # ---- the owner ---------------------------------------------------------------------------------------------
    def owner(self) -> Owner:
        """Who the user is: confirmed by them, or inferred from the documents (``core.persona.owner``)."""
        return self.owners.current()

    def set_owner(self, name: str, emails: list[str]) -> Owner:
        """The user confirms or corrects who they are; the facts are read again for that owner."""
        if not (name or emails):
            self.owners.clear()
        else:
            self.owners.confirm(name, emails)
        self.settle_owner(force=True)
        return self.owner()

    def _document_clues(self, document_id: int) -> None:
        docs = self._documents
        if docs is None:
            return
        doc = docs.get_document(document_id)
        # one pass over the chunks in batches: a mailbox's chunks need not fit in memory
        self.owners.replace(f"doc:{document_id}", document_clues(doc, docs.iter_chunks([document_id])), document_id)

    def settle_owner(self, force: bool = False, skip: int | None = None) -> bool:
        """When the owner changed since the facts were read, read every document again (rules, no model);
        return whether it did."""
        with self._extract_lock:   # the worker's extraction waits: it must read for the new owner
            return self._settle_owner(force, skip)

    def _settle_owner(self, force: bool, skip: int | None) -> bool:
        owner = self.owner()
        if not force and self.owners.extracted_for() == owner.signature:
            return False
        self.owners.set_extracted_for(owner.signature)
        self._owner_facts(owner)
        self.people.remove_matching(lambda p: owner.is_email(p.email) or (bool(p.name) and owner.is_name(p.name)
                                                                          and len(p.name.split()) >= 2))
        docs = self._documents
        if docs is not None:
            for ch in docs.iter_chunks():
                if ch.document_id != skip:
                    self._extract_chunk(ch, None, False)
        return True

    def _owner_facts(self, owner: Owner) -> None:
        """The owner's name and e-mail are facts, with the evidence for them as their source."""
        cands: list[Candidate] = []
        conf = 0.95 if owner.confirmed else min(0.9, 0.5 + owner.score / 10)
        if owner.name:
            if len(owner.name.split()) >= 2:
                cands.append(Candidate("name", owner.name, conf, "owner"))
                for c in split_name(owner.name, self.region(owner)):   # "Lucía | Fernández García" in ES
                    c.confidence, c.rule = conf, "owner"
                    cands.append(c)
            else:
                cands.append(Candidate("given-name", owner.name, conf, "owner"))
        if owner.emails:
            cands.append(Candidate("email", owner.emails[0], conf, "owner"))
        why = "; ".join(owner.evidence[:3]) or "who you are"
        self.facts.replace_evidence(dedupe(cands), "owner", f"you ({why})"[:200], None, None)

    # ---- extraction -------------------------------------------------------------------------------------------
    def extract_text(self, text: str, source_ref: str, source: str, document_id: int | None = None,
                     is_self: bool = True, is_mail: bool = False, observed_at: float | None = None,
                     use_model: bool | None = None, vcard: dict | None = None,
                     reading: Reading | None = None) -> set[str]:
        """Extract from one chunk or message; return the fact keys that changed. ``reading``: what the
        owner-keyed reader found in an imported chunk (its candidates, people and the owner's own text)."""
        with self._extract_lock:
            return self._extract_text(text, source_ref, source, document_id, is_self, is_mail, observed_at, use_model,
                                      vcard, reading)

    def _extract_text(self, text: str, source_ref: str, source: str, document_id: int | None, is_self: bool,
                      is_mail: bool, observed_at: float | None, use_model: bool | None, vcard: dict | None,
                      reading: Reading | None, owner: Owner | None = None) -> set[str]:
        use_model = self.model_extraction if use_model is None else use_model
        owner = owner or self.owner()   # the owner the reading was made for (it may have changed since)
        digest = hashlib.sha256((text + "\x00" + owner.signature).encode("utf-8", "replace")).hexdigest()[:24]
        with self.db.session() as s:
            seen = s.get(PersonaSeen, source_ref)
        if seen is not None and seen.content_hash == digest and (seen.model_done or not use_model):
            return set()
        cands: list[Candidate] = []
        if vcard:
            cands = from_vcard(vcard, self._vcard_confidence(vcard, document_id, owner))
        elif reading is not None:
            cands, text = list(reading.candidates), reading.own_text
            self.people.replace(source_ref, reading.people, source, document_id)
        else:
            cands = extract_rules(text, is_self=is_self, is_mail=is_mail)
            self.people.replace(source_ref, relation_mentions(text), source, document_id)
        model_done = False
        llm = self._model() if (use_model and not vcard and text and worth_asking(text)) else None
        if llm is not None:
            strong = {c.key for c in cands if c.confidence >= 0.5}
            cands += model_candidates(llm, self._for_model(text), strong)
            model_done = True
        cands = self._owner_only(cands, owner)
        if seen is not None and seen.content_hash != digest:
            changed = self.facts.replace_evidence(dedupe(cands), source_ref, source, document_id, observed_at)
        else:
            changed = self.facts.add_evidence(dedupe(cands), source_ref, source, document_id, observed_at)
        with self.db.session() as s:
            row = s.get(PersonaSeen, source_ref) or PersonaSeen(ref=source_ref)
            row.document_id, row.content_hash = document_id, digest
            row.model_done = model_done or (row.model_done and seen is not None and seen.content_hash == digest)
            row.processed_at = now_s()
            s.add(row)
        return changed

    def _owner_only(self, cands: list[Candidate], owner: Owner) -> list[Candidate]:
        """Drop what cannot be the owner's: a name that is not theirs, an e-mail of someone else; phone
        numbers in E.164 (``phonenumbers``, the region from the owner's country or e-mail)."""
        out: list[Candidate] = []
        region = None
        if self._others[0] != self.people.version:
            self._others = (self.people.version, self.people.contact_values())
        others = self._others[1]
        for c in cands:
            if c.key in ("tel", "email") and c.rule in ("bare", "contact-line", "label", "my-x-is-y") and c.confidence < 0.8 \
                    and (c.value.casefold() in others or re.sub(r"\D", "", c.value)[-9:] in others):
                continue   # someone else's number or address, written in the owner's notes
            if owner.name and c.key in ("name", "given-name", "family-name") and (
                    " " in owner.name or c.key != "given-name" or fold(c.value) != fold(owner.name)):
                continue   # the owner's name comes from who the owner is (``_owner_facts``), nothing else
            if c.key == "email" and owner.emails and not owner.is_email(c.value) and c.rule not in (
                    "first-person", "contact", "vcard") and not (c.rule == "label" and c.confidence >= 0.8):
                continue
            if c.key == "tel":
                if region is None:
                    region = self.region(owner) or ""
                e164 = phone_e164(c.value, region or None)
                if e164 is None and not c.value.strip().startswith("+") and not region:
                    e164 = c.value
                if e164 is None:
                    continue
                c = Candidate("tel", e164, c.confidence, c.rule, c.change)
            out.append(c)
        return out

    def _vcard_confidence(self, card: dict, document_id: int | None, owner: Owner | None = None) -> float:
        """A file with one card is the user's card (unless it names someone who is not the owner); in an
        address book only the card that matches the owner's name or e-mail is."""
        docs = self._documents
        n_cards = 1
        if docs is not None and document_id is not None:
            if document_id not in self._card_counts:
                if len(self._card_counts) > 256:
                    self._card_counts.clear()
                self._card_counts[document_id] = sum(1 for c in docs.iter_chunks([document_id]) if c.meta.get("vcard"))
            n_cards = self._card_counts[document_id]
        owner = owner or self.owner()
        fn = card.get("fn")
        fn = str(fn[0] if isinstance(fn, list) and fn else fn or "")
        emails = {str(e).casefold() for e in card.get("email", [])} if isinstance(card.get("email"), list) else set()
        matches = (owner.name and owner.is_name(fn)) or any(owner.is_email(e) for e in emails)
        if n_cards <= 1:
            return 0.95 if (matches or not owner.known) else 0.0
        return 0.9 if matches else 0.0

    def _card_person(self, card: dict) -> Person | None:
        fn = card.get("fn")
        fn = str(fn[0] if isinstance(fn, list) and fn else fn or "")
        first = lambda v: str(v[0] if isinstance(v, list) and v else v or "")  # noqa: E731
        name = person_name(fn)
        email = first(card.get("email"))
        return Person(name, "", email if EMAIL_RE.fullmatch(email) else "", clean_phone(first(card.get("tel"))) or "",
                      first(card.get("org_units")) or first(card.get("org"))) if (name or email) else None

    def extract_document(self, document_id: int, use_model: bool | None = None, cancel: CancelToken | None = None) -> int:
        docs = self._documents
        if docs is None:
            return 0
        doc = docs.get_document(document_id)
        n = 0
        for ch in docs.iter_chunks([document_id]):
            if cancel is not None:
                cancel.raise_if_cancelled("Extraction stopped.")
            self._extract_chunk(ch, doc, use_model)
            n += 1
        return n

    def _doc_info(self, document_id: int) -> DocumentInfo | None:
        docs = self._documents
        if docs is None:
            return None
        if self._doc_cache.get(document_id) is None:
            if len(self._doc_cache) > 512:
                self._doc_cache.clear()
            self._doc_cache[document_id] = docs.get_document(document_id)
        return self._doc_cache[document_id]

    def region(self, owner: Owner | None = None) -> str | None:
        """The owner's country as a region code (national phone numbers, day/month order)."""
        owner = owner or self.owner()
        country = self.facts.get("country-name")
        hint = region_hint(country.value if country else "", *owner.emails)
        if hint:
            return hint
        postal, tel, state = self.facts.get("postal-code"), self.facts.get("tel"), self.facts.get("address-level1")
        by_state = region_from_state(state.value, postal.value) if postal and state else None   # "Chicago, IL 60647"
        return by_state or (region_from_contacts(postal.value, tel.value) if postal and tel else None)

    def _extract_chunk(self, ch: ChunkView, doc: DocumentInfo | None, use_model: bool | None) -> None:
        """Read one chunk of an imported document for what it says about the owner and other people."""
        with self._extract_lock:
            self._read_chunk(ch, doc, use_model)

    def _read_chunk(self, ch: ChunkView, doc: DocumentInfo | None, use_model: bool | None) -> None:
        if self._documents is not None and use_model:   # a background pass: the document may be gone by now
            try:
                self._documents.get_document(ch.document_id)
            except MnemoError:
                return
        doc = doc or self._doc_info(ch.document_id)
        if doc is None:
            return
        owner = self.owner()
        set_month_first(self.region(owner))
        mine = doc.meta.get("owner") == "self"
        when = document_time(doc, ch)
        source = ch.source or f"document {ch.document_id}"
        card = ch.meta.get("vcard")
        if card:
            conf = self._vcard_confidence(card, ch.document_id, owner)
            p = self._card_person(card) if conf <= 0 else None   # a card that is not the owner's is a person
            self.people.replace(f"chunk:{ch.id}", [p] if p else [], source, ch.document_id)
            self._extract_text(ch.text, f"chunk:{ch.id}", source, ch.document_id, True, False, when, use_model,
                               card if conf > 0 else None, Reading(people=[p] if p else []) if conf <= 0 else None,
                               owner)
            return
        header: list[str] = []
        if ch.format.lower() in ("csv", "tsv") and self._documents is not None:
            if ch.document_id not in self._headers:
                self._headers[ch.document_id] = table_header(list(islice(self._documents.iter_chunks([ch.document_id]), 1)))
            header = self._headers[ch.document_id]
        reading = read_chunk(ch, doc, owner, mine, header)
        reading.candidates += partner_names(reading.people, 0.75)
        self._extract_text(ch.text, f"chunk:{ch.id}", source, ch.document_id, True, False, when, use_model,
                           None, reading, owner)

    def extract_conversation(self, conversation_id: int, use_model: bool | None = None) -> int:
        if self.conversations is None:
            return 0
        n = 0
        for m in self.conversations.messages(conversation_id):
            if m.role != "user":
                continue
            self._extract_message(m, conversation_id, use_model)
            n += 1
        return n

    def _extract_message(self, m: Message, conversation_id: int, use_model: bool | None) -> None:
        """The user's own message in Mnemo: always the owner's words ("Hi, I'm Priya and I live in Leeds")."""
        clues = statement_clues(m.content, f"your chat {conversation_id}", 2.0, "message")
        if clues:
            self.owners.add(f"message:{m.id}", clues)
            self.settle_owner()
        when = m.created_at.timestamp() if m.created_at else None
        reading = Reading(extract_rules(m.content, is_self=True), relation_mentions(m.content), m.content)
        for c in clues:   # "Hi, I'm Priya": the user's name
            reading.candidates += _typed("name", c.name, 0.8, "first-person") if len(c.name.split()) >= 2 else [
                Candidate("given-name", c.name, 0.8, "first-person")]
        reading.candidates += partner_names(reading.people, 0.75)
        self.extract_text(m.content, f"message:{m.id}", f"chat {conversation_id}", None, True, False, when, use_model,
                          None, reading)

    def _document_background(self, document_id: int, cancel: CancelToken) -> None:
        if self.model_extraction:
            self.extract_document(document_id, use_model=True, cancel=cancel)
        docs = self._documents
        if docs is not None and self._embedder is not None:
            self.topics.add_items((f"chunk:{c.id}", c.text, document_id) for c in docs.iter_chunks([document_id])
                                  if not c.meta.get("vcard"))   # streamed: a mailbox is not held at once
            self.topics.update(cancel=cancel)
        self.update_bio()

    def refresh(self, progress: ProgressFn = no_progress, cancel: CancelToken | None = None,
                use_model: bool | None = None, topics: bool = True, bio: bool = True) -> dict[str, int]:
        """Catch up with every document and conversation now; rebuild topics and the biography."""
        self._in_refresh = True
        try:
            return self._refresh(progress, token_or_new(cancel), use_model, topics, bio)
        finally:
            self._in_refresh = False

    def _refresh(self, progress: ProgressFn, cancel: CancelToken, use_model: bool | None, topics: bool,
                 bio: bool) -> dict[str, int]:
        stats = {"chunks": 0, "messages": 0, "topics": 0}
        grouping = topics and self._embedder is not None
        items: list[tuple[str, str, int | None]] = []
        added = 0

        def material(item: tuple[str, str, int | None] | None = None) -> None:
            """Topic material goes to the topics a batch at a time: a mailbox's chunks are never held at once."""
            nonlocal added
            if item is not None and grouping:
                items.append(item)
            if items and (item is None or len(items) >= _MATERIAL_BATCH):
                added += len(items)
                self.topics.add_items(items)
                items.clear()

        stats["chunks"] = self._refresh_documents(material, progress, cancel, use_model)
        stats["messages"] = self._refresh_conversations(material, cancel, use_model)
        for item in self._memory_items():
            material(item)
        material()
        if added:
            progress(Progress(0, 0, "grouping topics"))
            stats["topics"] = len(self.topics.update(progress, cancel))
        if bio:
            progress(Progress(0, 0, "writing the biography"))
            self.update_bio()
        return stats

    def _refresh_documents(self, material: Callable[[tuple[str, str, int | None]], None], progress: ProgressFn,
                           cancel: CancelToken, use_model: bool | None) -> int:
        """Read every chunk again, streamed; the non-vCard ones are topic material."""
        docs = self._documents
        if docs is None:
            return 0
        total, doc_ids = 0, set()
        for ch in docs.iter_chunks():   # a first pass for the documents and the count, holding no text
            total += 1
            doc_ids.add(ch.document_id)
        for doc_id in sorted(doc_ids):   # the owner first: every fact depends on them
            self._document_clues(doc_id)
        owner = self.owner()
        if self.owners.extracted_for() != owner.signature:
            self.owners.set_extracted_for(owner.signature)
            self._owner_facts(owner)
        n = 0
        for ch in docs.iter_chunks():
            cancel.raise_if_cancelled("Extraction stopped.")
            progress(Progress(n, total, "reading documents"))
            self._extract_chunk(ch, None, use_model)
            if not ch.meta.get("vcard"):
                material((f"chunk:{ch.id}", ch.text, ch.document_id))
            n += 1
        return n

    def _refresh_conversations(self, material: Callable[[tuple[str, str, int | None]], None], cancel: CancelToken,
                               use_model: bool | None) -> int:
        """Read the user's messages of every conversation again; longer ones become topic material."""
        if self.conversations is None:
            return 0
        n = 0
        for conv in self.conversations.list(limit=1_000_000):
            cancel.raise_if_cancelled("Extraction stopped.")
            for m in self.conversations.messages(conv.id):
                if m.role == "user":
                    self._extract_message(m, conv.id, use_model)
                    if len(m.content) >= 40:
                        material((f"message:{m.id}", m.content, None))
                    n += 1
        return n

    def _memory_items(self) -> Iterator[tuple[str, str, int | None]]:
        """Every reflected memory's summary, as topic material, a page at a time."""
        if self._memories is None:
            return
        offset = 0
        while True:
            page = self._memories.list(limit=500, offset=offset)
            yield from ((f"memory:{m.id}", m.summary, None) for m in page)
            if len(page) < 500:
                return
            offset += 500

    def add_material(self, items: Iterable[tuple[str, str, int | None]]) -> None:
        """Other memories (e.g. reflective memories) join the topics: ``(ref, text, document_id)``."""
        self.topics.add_items(list(items))

    # ---- biography, profile, redaction -----------------------------------------------------------------------
    def update_bio(self, force: bool = False) -> bool:
        done = self.bio.regenerate(self.facts.all(), [t.name for t in self.topics.list() if t.name], force)
        return done

    def sensitive_values(self) -> list[str]:
        if self._sensitive is None:
            self._sensitive = sorted(self.facts.sensitive_values(), key=len, reverse=True)
        return self._sensitive

    def redact(self, text: str) -> str:
        """Replace every known sensitive value in ``text`` by its mask."""
        for v in self.sensitive_values():
            if v in text:
                text = text.replace(v, mask(v))
            elif len(v) >= 6:
                text = re.sub(re.escape(v).replace(r"\ ", r"\s*"), mask(v), text, flags=re.I)
        return text

    def profile_text(self, include_sensitive: bool | None = None, max_facts: int = 40) -> str:
        """The profile and biography as the assistant sees them (read fresh each time: a few ms)."""
        if include_sensitive is None:
            include_sensitive = bool(self.settings.settings.privacy.sensitive_in_prompt)
        facts = [f for f in self.facts.all(reveal=include_sensitive) if include_sensitive or not f.sensitive]
        facts.sort(key=lambda f: (not f.pinned, -f.confidence))
        parts = []
        if facts:
            lines = [f"- {label(f.key)}: {f.value}" for f in facts[:max_facts]]
            parts.append("What you know about the user (from their own documents and conversations):\n" + "\n".join(lines))
        close = [p for p in self.people.all() if p.relation and p.name][:8]
        if close:   # for "what is my sister's number?": other people, never mixed into the user's facts
            parts.append("People in the user's life (not the user): " + "; ".join(
                f"{p.name} ({p.relation}" + (f", {p.tel}" if p.tel else "") + (f", {p.email}" if p.email else "") + ")"
                for p in close))
        bio = self.bio.get().for_prompt
        if bio:
            if not include_sensitive:
                bio = self.redact(bio)
            parts.append("About the user: " + bio)
        return "\n\n".join(parts)
