"""Grounded answers: the model's draft is shown a sentence at a time, each only once it is checked.

``SentenceGate`` sits between the model's stream and the user: it buffers pieces up to a
sentence end, checks the sentence against the answer's support (every value found in the
passages, the profile or the user's own words; the assistant never speaking as the user),
and passes it on. An answer to a question must also cite a note it was shown: its
sentences are held until the first one that cites, and a draft that never cites is not
shown. The first sentence that fails stops the model; the answer then ends with the
extractive fallback instead (``fallback``), so nothing unsupported is shown or stored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

from core.chat.citations import parse_citations, strip_no_cite
from core.chat.context import ContextItem
from core.grounding.check import Support, says_nothing, speaks_as_user, unsupported
from core.grounding.extractive import best_quote, is_question
from core.ports import Cancellable, ChatModel

if TYPE_CHECKING:
    from models.llm import Sampling

_END = re.compile(r"[.!?…](?:\s*\[[\d,\s]+\])*[\"”’)]?\s+|\n+")
NOT_FOUND = "I don't find that in your notes."
NOT_SUPPORTED = "I can only say what your notes and documents support, and they don't cover that."
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|my|me|ich|mein\w*|je|j'|mon|ma|mes|moi|yo|mi|mis|jag|min|mitt|mina|ik|mijn|io)\b",
                           re.I)
HOLD_SENTENCES = 3       # sentences of an answer to a question without a citation before the draft is given up


@dataclass
class SentenceGate:
    """Checks a streamed draft sentence by sentence; ``cancelled`` tells the model to stop once one fails."""

    support: Support
    emit: Callable[[str], None] | None = None
    user_cancel: Cancellable | None = None
    cite_from: int = 0            # > 0: the draft must cite one of notes 1..cite_from before anything is shown
    question: str = ""            # what was asked: an answer's first sentence must say more than the question
    shown: str = ""
    rejected: list[str] = field(default_factory=list)    # why: value kinds unsupported, "as-user", "uncited"
    _buf: str = ""
    _held: str = ""
    _held_n: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.rejected)

    @property
    def cancelled(self) -> bool:
        return self.failed or bool(self.user_cancel is not None and self.user_cancel.cancelled)

    def feed(self, piece: str) -> None:
        if self.failed:
            return
        self._buf += piece
        while not self.failed:
            m = _END.search(self._buf)
            if m is None:
                return
            sentence, self._buf = self._buf[: m.end()], self._buf[m.end():]
            self._check(sentence)

    def finish(self) -> None:
        """The draft ended: check what is left of it."""
        if self._buf.strip() and not self.failed:
            self._check(self._buf)
        self._buf = ""
        if self._held and not self.failed and not (self.user_cancel is not None and self.user_cancel.cancelled):
            self.rejected = ["uncited"]

    def _check(self, sentence: str) -> None:
        bad = unsupported(sentence, self.support)
        if bad or speaks_as_user(sentence):
            self.rejected = sorted({v.kind for v in bad}) or ["as-user"]
            return
        if self.cite_from and not self.shown and not parse_citations(sentence, self.cite_from):
            self._held += sentence
            self._held_n += 1
            if self._held_n >= HOLD_SENTENCES:   # a draft that has not cited by now will not: stop paying for it
                self.rejected = ["uncited"]
            return
        if self.cite_from and not self.shown and says_nothing(self._held + sentence, self.question):
            self.rejected = ["empty"]   # cites, but says nothing the question did not: the quote says more
            return
        sentence, self._held = self._held + sentence, ""
        self.shown += sentence
        if self.emit is not None:
            self.emit(sentence)


def support_for(user_text: str, history: Sequence[dict[str, str]], system_texts: Sequence[str],
                items: Sequence[ContextItem]) -> Support:
    """What an answer may draw on: the items shown, the profile, and the user's own words (never the assistant's)."""
    texts = [user_text, *system_texts, *(it.text for it in items), *(it.source for it in items)]
    texts += [m["content"] for m in history if m.get("role") == "user"]
    return Support.of(texts)


def fallback(question: str, items: Sequence[ContextItem], missing: str = "") -> tuple[str, list[int]]:
    """The extractive answer: the best answering sentence of the items, quoted with its number; or
    "I don't find that in your notes"; for a statement, a plain acknowledgement. Returns (text, cited)."""
    if not is_question(question):   # something the user said about themselves is kept; a request is declined
        return ("Noted." if _FIRST_PERSON.search(question) else NOT_SUPPORTED), []
    quote = best_quote(question, [it.text for it in items])
    if quote is not None:
        return f"From your notes: “{quote.text}” [{quote.n}]", [quote.n]
    return (f"I don't find {missing} in your notes." if missing else NOT_FOUND), []


@dataclass
class Checked:
    """A finished answer: its text, the notes it cites, how it was made ("model" or "extractive"), and why
    the draft was set aside when it was."""

    text: str
    cited: list[int]
    mode: str
    rejected: list[str] = field(default_factory=list)


def settle(gate: SentenceGate, question: str, items: Sequence[ContextItem], missing: str = "",
           cancelled: bool = False, on_token: Callable[[str], None] | None = None) -> Checked:
    """The answer once the draft has ended: the checked draft, or what passed of it plus the extractive answer."""
    if gate.failed or (not gate.shown.strip() and not cancelled):
        quote, cited = fallback(question, items, missing)
        if gate.shown.strip() and not is_question(question):   # a reply to a statement just ends early
            quote, cited = "", []
        if on_token is not None and quote:
            on_token((" " if gate.shown.strip() else "") + quote)
        cited = sorted(set(parse_citations(gate.shown, len(items))) | set(cited))
        return Checked((gate.shown.rstrip() + " " + quote).strip(), cited, "extractive", gate.rejected or ["empty"])
    return Checked(strip_no_cite(gate.shown) or "(stopped)", parse_citations(gate.shown, len(items)), "model")


def grounded_reply(llm: ChatModel, messages: list[dict[str, str]], sampling: Sampling, question: str,
                   items: Sequence[ContextItem], support: Support) -> Checked:
    """One checked answer without a conversation (evaluations use it; the chat service streams its own)."""
    gate = SentenceGate(support, cite_from=len(items) if is_question(question) else 0, question=question)
    for piece in llm.stream_chat(messages, sampling, cancel=gate):
        gate.feed(piece)
    gate.finish()
    return settle(gate, question, items)
