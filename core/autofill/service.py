"""AutofillService: propose a value for every field of a form, with its source, and learn from corrections.

Order of rules for one field: never-filled types are refused; a value already there is
kept (unless overwrite); the matcher finds the profile key; the fact (or a value derived
from facts) is written in the field's conventions and, for selects and radios, mapped onto
one of their options, then checked against the field's type (``validate``): a value that
fails is not proposed ("invalid", with the reason); sensitive facts need
``autofill.fill_sensitive``; what is left may be answered by the model from a document or
memory that holds the value verbatim, or stays "unknown".
"""
from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Callable, Sequence

from core.autofill.ask import SearchFn, ask_model
from core.autofill.forms import read_form, write_form
from core.labels.lexicon import SENSITIVE_KEYS, normalize
from core.autofill.matcher import KeyMatch, Matcher, refusal, resolve_form
from core.autofill.model import Form, FormField, Proposal
from core.autofill.formats import user_region
from core.persona.regions import postal_fits
from core.autofill.language import form_language
from core.autofill.shaping import shape_value
from core.autofill.values import derive
from core.errors import Cancelled, MnemoError
from core.ports import Cancellable, ChatModel, ChatModelLoader, EmbedderLoader, FactSource, FactView

if TYPE_CHECKING:
    from core.settings.schema import AutofillSettings

log = logging.getLogger(__name__)

_COUNTRY_KEYS = {"country", "country-name"}


class AutofillService:
    """Reads forms, proposes values, writes filled copies, and turns corrections into pinned facts."""

    def __init__(self, settings: Callable[[], AutofillSettings], facts: Callable[[], FactSource | None],
                 embedder: EmbedderLoader | None = None, llm: ChatModelLoader | None = None,
                 search: SearchFn | None = None) -> None:
        self._settings = settings  # -> AutofillSettings
        self._facts = facts
        self._llm = llm
        self._search = search
        self.matcher = Matcher(embedder)

    # ---- reading and writing ---------------------------------------------------------------
    read = staticmethod(read_form)
    write = staticmethod(write_form)

    def facts_source(self) -> FactSource | None:
        return self._facts()

    # ---- proposing ---------------------------------------------------------------------------
    def _fact_table(self, fill_sensitive: bool) -> dict[str, FactView]:
        src = self._facts()
        if src is None:
            return {}
        table: dict[str, FactView] = {}
        for rec in src.all(reveal=False):
            if rec.sensitive and fill_sensitive:
                rec = src.get(rec.key, reveal=True) or rec
            table[str(rec.key)] = rec
        return table

    def propose(self, fields: Sequence[FormField], overwrite: bool | None = None, use_model: bool = True,
                cancel: Cancellable | None = None) -> list[Proposal]:
        """One proposal per field, in order."""
        cfg = self._settings()
        overwrite = cfg.overwrite_existing if overwrite is None else overwrite
        facts = self._fact_table(cfg.fill_sensitive)
        values = {k: str(r.value or "") for k, r in facts.items()}
        out: dict[str, Proposal] = {}
        matches: dict[str, KeyMatch | None] = {}
        lang = form_language(fields)
        for f in fields:
            p = Proposal(field=f.name, label=f.label or f.aria_label or f.placeholder or f.name)
            out[f.name] = p
            why = refusal(f, lang)
            if why:
                p.status, p.note = "refused", why
                continue
            # a select always has an option chosen, mostly the page's default ("France" on a French form): it is
            # filled like an empty field, as browsers' autofill does
            if f.value.strip() and not overwrite and f.kind != "select":
                p.status, p.note = "kept", "the form already has a value"
                continue
            if f.kind == "checkbox" and len(f.options) <= 1:
                p.status, p.note = "unknown", "single checkboxes (consents) are left to you"
                continue
            matches[f.name] = self.matcher.match(f)
        resolve_form(list(fields), matches)
        llm: ChatModel | None = None
        for f in fields:
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            if f.name not in matches:
                continue
            p, m = out[f.name], matches[f.name]
            if m is not None:
                p.key, p.match = m.key, m.how
                self._from_facts(f, p, m, facts, values, cfg, lang)
            if p.status == "unknown" and use_model and not p.note and self._llm is not None \
                    and self._search is not None:
                llm = llm or self._llm()
                self._from_memory(f, p, llm, self._search, cfg, user_region(values), lang)
        return [out[f.name] for f in fields]

    def _from_facts(self, f: FormField, p: Proposal, m: KeyMatch, facts: dict[str, FactView],
                    values: dict[str, str], cfg: AutofillSettings, lang: str) -> None:
        got = derive(m.key, values)
        guessed = False
        region = user_region(values)
        if got is None and m.key in _COUNTRY_KEYS and region:
            got, guessed = (region, "tel"), True  # the country of the user's phone number
        if got is None:
            return
        value, src_key = got
        rec = facts.get(src_key)
        sensitive = (rec is not None and rec.sensitive) or m.key in SENSITIVE_KEYS
        if sensitive and not cfg.fill_sensitive:
            p.status, p.sensitive, p.note = "sensitive", True, "sensitive fact: allow autofill.fill_sensitive to propose it"
            return
        value, why = shape_value(value, f, m.key, region, "fact", lang)
        if why:
            p.status, p.note = ("no-option" if why.startswith("no option") else "invalid"), why
            return
        # a country read off the phone's country code, where the postal code has that country's shape too, is
        # what both say; from the phone alone, or from the two fitting together, it is a guess
        international = values.get("tel", "").strip().startswith(("+", "00"))
        agreed = guessed and international and postal_fits(values.get("postal-code", ""), region)
        conf = m.score * (float(rec.confidence or 1.0) if rec is not None else 1.0) * (
            0.8 if guessed and not agreed else 1.0)
        if conf < cfg.min_confidence:
            p.status, p.note = "unknown", f"confidence {conf:.2f} below autofill.min_confidence"
            return
        p.value, p.status, p.source, p.confidence, p.sensitive = value, "filled", "fact", conf, sensitive
        p.source_ref = f"fact:{rec.id if rec is not None else ''} {src_key}".strip()
        if guessed:
            p.note = ("country of your phone number and postal code" if agreed else "country of your phone number"
                      if international else "the one country where your postal code and phone number both fit")

    def _from_memory(self, f: FormField, p: Proposal, llm: ChatModel, search: SearchFn, cfg: AutofillSettings,
                     region: str, lang: str) -> None:
        ans = ask_model(llm, search, f)
        if ans is None:
            return
        source = "document" if ans.citation.startswith(("doc", "file", "document")) else "memory"
        value, why = shape_value(ans.value, f, p.key, region, source, lang)
        if why:
            p.status, p.note = "invalid", f"{why} (read in {ans.citation})"
            return
        conf = 0.6
        if conf < cfg.min_confidence:
            return
        p.value, p.status, p.source, p.source_ref, p.confidence, p.match = value, "filled", source, ans.citation, conf, p.match or "model"

    # ---- whole forms ---------------------------------------------------------------------------
    def fill(self, path: str, out: str | None = None, overwrite: bool | None = None,
             use_model: bool = True) -> tuple[Form, list[Proposal]]:
        form = read_form(path)
        proposals = self.propose(form.fields, overwrite=overwrite, use_model=use_model)
        if out:
            write_form(form, proposals, out)
        return form, proposals

    # ---- corrections ---------------------------------------------------------------------------
    def accept(self, rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
        """Store the user's corrections (rows of the review JSON) as pinned facts; returns (key, value) set."""
        src = self._facts()
        if src is None:
            raise MnemoError("There is no profile to store corrections in yet.", "Import documents or add facts first.")
        changed: list[tuple[str, str]] = []
        for row in rows:
            if not isinstance(row, dict):
                continue
            value = str(row.get("value", "") or "").strip()
            proposed = str(row.get("proposed", "") or "").strip()
            if not value or value == proposed:
                continue
            f = FormField.from_dict({**row, "value": ""})
            if refusal(f):
                continue  # passwords and card numbers are never stored
            for o in f.options:  # store what the option means, not its code
                if o.value == value and o.label:
                    value = o.label
            key = str(row.get("key") or "") or _free_key(f.label or f.name)
            if not key:
                continue
            src.set(key, value, source="user", pinned=True, confidence=1.0)
            changed.append((key, value))
        return changed


def _free_key(label: str) -> str:
    return re.sub(r"-+", "-", normalize(label).replace(" ", "-")).strip("-")[:60]
