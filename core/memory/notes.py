"""Grounded memory notes: whole sentences about the people in a conversation, drawn from what they said.

A note the model writes is kept only when ``check_note`` finds it grounded in its source
turns: a whole sentence (a note the model's length cap cut is not one), about the user or
the people and things they discussed (never the assistant, never "I" or "you"), whose
values (numbers, dates, phones, e-mails, URLs, names, the first word too) and most of
whose content words come from the turns. In a chat with Mnemo only the user's turns are
support: the assistant's statements are unverified and never become memories. In an
imported conversation between people (LoCoMo) every speaker's turns are support.
Otherwise the note is ``extractive_note``: the best sentence a person said, with their name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from core.grounding.check import Support, speaks_as_user, unsupported
from core.grounding.extractive import content_words
from core.grounding.values import fold
from core.memory.store import TurnIn
from core.search.fusion import STOPWORDS

# The speaker ``MemoryService`` gives the assistant's turns of a chat with Mnemo (role "assistant",
# no speaker of its own); an imported conversation names every speaker.
ASSISTANT_SPEAKER = "Mnemo"
EXTRACT_CHARS = 200      # longest extractive note; a longer sentence is cut at a word, with an ellipsis
MIN_SHARE = 0.6          # share of a note's content words that must occur in its turns
MIN_WORDS = 2            # content words a note needs to say anything

_ABOUT_ASSISTANT = re.compile(
    r"\bmnemo\b|\b(?:the|an?|your|my) (?:ai |virtual |digital )?assistant\b|\b(?:chatbot|language model|ai model)\b"
    r"|\b(?:here|happy|glad) to help\b|\bhelp you\b|\bas an ai\b", re.I)
# A note is written in the third person: "I", "me", "you"... say nothing about who is meant.
_PERSON = re.compile(r"\bI\b|\bI['’](?:m|ve|d|ll)\b|\b(?:me|my|mine|myself|you|your|yours|yourself|we|our|ours)\b",
                     re.I)
_SENTENCE_END = re.compile(r"[.!?…][\"”’')\]]*$")
# A sentence does not end on these: a note that does was cut.
_DANGLING = frozenset("a an and are as at but by called for from in into is named of on or so than that the to was were which "
                       "with who whose".split())
_SPLIT = re.compile(r"(?<=[.!?])\s+")     # a note's sentences (for extractive notes measured best on LoCoMo)
_WORDS = re.compile(r"[A-Za-z][A-Za-z']+")
REASONS = ("empty", "cut", "question", "assistant", "person", "value", "words", "assistant_turn")


@dataclass(frozen=True)
class NoteCheck:
    """The note kept (whole sentences) and "" as reason, or "" and why it was rejected (one of ``REASONS``)."""

    note: str
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def is_assistant(turn: TurnIn) -> bool:
    return fold(turn.speaker.strip()) == fold(ASSISTANT_SPEAKER)


def support_turns(turns: Sequence[TurnIn]) -> list[TurnIn]:
    """The turns a note may draw on: every person's, never the assistant's."""
    return [t for t in turns if not is_assistant(t)]


def whole_sentences(text: str, limit: int) -> str:
    """The complete sentences of ``text`` ("" when none): a trailing fragment, or text that hit ``limit``
    without ending a sentence, is dropped, never shown cut."""
    n = len(" ".join(text.split()))
    s = " ".join(text.split()).strip(" \"“”'`-*•")
    if not s:
        return ""
    parts = [p for p in _SPLIT.split(s) if p]
    if not parts:
        return ""
    if _SENTENCE_END.search(parts[-1]):
        return " ".join(parts)
    if len(parts) > 1:
        return " ".join(parts[:-1])
    last = fold(parts[-1].rsplit(" ", 1)[-1]).strip(",;:")
    if n >= limit or last in _DANGLING or parts[-1][-1] in ",;:":
        return ""            # the length cap or the token budget cut it
    return parts[-1] + "."


def clip_sentence(sentence: str, max_chars: int = EXTRACT_CHARS) -> str:
    """A sentence cut at a word boundary, never mid-word, with an ellipsis when cut."""
    s = " ".join(sentence.split())
    if len(s) <= max_chars:
        return s
    cut = s[: max_chars - 2].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-–—") + " …"


def _covered(word: str, known: set[str]) -> bool:
    """A content word (stem) found in the turns; "lives" finds "live", "adopted" finds "adopt"."""
    if word in known:
        return True
    return len(word) >= 4 and any(len(k) >= 4 and (k.startswith(word) or word.startswith(k)) for k in known)


def _first_name_unsupported(note: str, support: Support) -> bool:
    """The note's first word, when capitalised and not a function word, is a name the turns must hold
    ("Lisa adopted a cat": ``unsupported`` leaves a lone first word to grammar)."""
    m = re.match(r"[\"“'(]*([A-ZÀ-ÖØ-Þ][\w-]*)(?:['’]s)?\b", note)
    if not m or not content_words(m.group(1)):
        return False
    return fold(m.group(1)) not in support.words


def _values_and_words(note: str, texts: Sequence[str]) -> str:
    """"" when the note's values and content words come from ``texts``, else "value" or "words"."""
    support = Support.of(texts)
    if unsupported(note, support) or _first_name_unsupported(note, support):
        return "value"
    words = content_words(note)
    if len(words) < MIN_WORDS:
        return "words"
    known = set().union(*(content_words(t) for t in texts)) if texts else set()
    hits = sum(_covered(w, known) for w in words)
    return "" if hits >= MIN_WORDS and hits >= MIN_SHARE * len(words) else "words"


def check_note(note: str, turns: Sequence[TurnIn], session_date: str = "", limit: int = 10_000) -> NoteCheck:
    """Is the model's ``note`` grounded in its ``turns``? ``limit`` is the length cap the model wrote under."""
    if not " ".join(note.split()):
        return NoteCheck("", "empty")
    kept = whole_sentences(note, limit)
    if not kept:
        return NoteCheck("", "cut")
    if kept.endswith("?"):
        return NoteCheck("", "question")     # a note states what was said
    if _ABOUT_ASSISTANT.search(kept):
        return NoteCheck("", "assistant")
    if _PERSON.search(kept) or speaks_as_user(kept):
        return NoteCheck("", "person")
    dated = [session_date] if session_date else []
    why = _values_and_words(kept, [t.line for t in support_turns(turns)] + dated)
    if why and len(support_turns(turns)) < len(turns) and not _values_and_words(kept, [t.line for t in turns] + dated):
        return NoteCheck("", "assistant_turn")   # only the assistant said it: unverified
    return NoteCheck("", why) if why else NoteCheck(kept)


def informative_words(text: str) -> set[str]:
    """The words that make a sentence (or a segment) informative: what extractive notes and segments rank by."""
    return {w.lower() for w in _WORDS.findall(text) if w.lower() not in STOPWORDS and len(w) > 2}


def extractive_note(turns: Sequence[TurnIn], max_chars: int = EXTRACT_CHARS) -> str:
    """The most informative whole sentence a person said in ``turns``, with their name ("" when none did).

    The first sentence with the most ``informative_words`` wins; one longer than ``max_chars``
    is cut at a word boundary with an ellipsis.
    """
    best, best_n, who = "", -1, ""
    for t in support_turns(turns):
        for sent in _SPLIT.split(" ".join(t.text.split())):
            n = len(informative_words(sent))
            if sent and n > best_n:
                best, best_n, who = sent, n, t.speaker.strip()
    if not best:
        return ""
    best = clip_sentence(best, max_chars - len(who) - 2 if who else max_chars)
    return f"{who}: {best}" if who else best
