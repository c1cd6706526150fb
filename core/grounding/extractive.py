"""The extractive answer: the sentence of the shown passages that best answers a question, quoted.

Used when a draft fails the check (or the model is not asked). A sentence scores by the
question's content words it holds (a shared five-letter stem counts, so "starts" finds
"start"), by holding the kind of value the question asks for (a date for "when", a phone
for "phone number", a place for "where"), and a little by the passage's rank. Nothing is
quoted that shares no content word with the question.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Sequence

from core.grounding.values import fold, values_in

_SENT = re.compile(r"(?<=[.!?…])\s+(?=[\"“'(\[]?[A-ZÀ-Þ])|\n+")
_ABBREV = re.compile(r"(?:^|\s|\()(?:[A-Za-z]{1,3}|[A-Z][a-z]{0,3})\.$")   # "no.", "Dr.", "Tel.", "z.B."
_WORD = re.compile(r"\w+")
# Words that carry no content in a question (EN, DE, FR, ES, IT, NL, SV).
_FUNCTION = frozenset((
    "a an and are as at be been by can could did do does for from had has have he her hers him his how i if in is it "
    "its me my mine of on or our ours she so than that the their them then there these they this those to us was we "
    "were what when where which who whom whose why will with would you your yours about tell know remember any some "
    "der die das ein eine einen und ist sind war wann wo wer wie was welche welcher mein meine ich mir mich du dein "
    "hat habe haben zu im in am um von mit fur auf le la les un une des et est sont quand ou qui que quel quelle "
    "mon ma mes je moi tu de du au aux en el los las y es son cuando donde quien como cual mi mis yo me del "
    "il lo gli e sono dove chi come mio mia het een en ik mijn wat wanneer waar wie hoe och ar var vem vad nar hur "
    "min mitt mina jag den det en ett som").split())
_ASKS = [  # (question pattern, value kinds that answer it)
    (re.compile(r"\b(?:when|what time|what date|which day|wann|quand|cuando|quando|wanneer|nar|uhr|heure|hora|"
                r"ora|klockan|hoe laat|o'clock)\b"), {"date", "time"}),
    (re.compile(r"\b(?:phone|telefon|telephone|mobile|handy|portable|movil)\b"), {"phone"}),
    (re.compile(r"\b(?:number|nummer|numero|no|nr)\b"), {"phone", "number"}),
    (re.compile(r"\b(?:e-?mail|mail|courriel|correo)\b"), {"email"}),
    (re.compile(r"\b(?:how much|how many|cost|price|rent|amount|wie viel|combien|cuanto|quanto|hoeveel|hur mycket)\b"),
     {"number"}),
    (re.compile(r"\b(?:website|url|link|site)\b"), {"url"}),
    (re.compile(r"\b(?:where|who|wo|wer|ou|qui|donde|quien|dove|chi|waar|wie|var|vem)\b"), {"name"}),
]


_QUESTION = re.compile(r"\?\s*$|^(?:what|what's|whats|when|where|who|which|how|tell me|do you know|"
                       r"was|wann|wo|wer|wie|welche[rs]?|quel|quelle|quand|ou|qui|comment|que|cual|cuando|donde|"
                       r"quien|como|vad|nar|var|vem|vilken|hur|qual|quando|dove|chi|come|wat|wanneer|waar|wie|hoe)\b")


def is_question(text: str) -> bool:
    """A question mark at the end, or a question word first (in the seven languages)."""
    return bool(_QUESTION.search(fold(text.strip())))


@dataclass(frozen=True)
class Quote:
    """A sentence quoted from item ``n`` (1-based) of the items shown."""

    text: str
    n: int
    score: float


def stem(word: str) -> str:
    return word[:5]


def content_words(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(fold(text)) if w not in _FUNCTION and (len(w) > 2 or w.isdigit())}


def unwrap(text: str) -> str:
    """Join hard-wrapped lines (mail and plain text wrap at ~72 columns): a line goes on when the next one
    starts in lower case, with a digit or a bracket, or when it is long and the next is not a "Label:" line.
    Lists, headers and short lines keep their breaks."""
    lines = text.split("\n")
    out: list[str] = []
    for line in lines:
        nxt = line.lstrip()
        prev = out[-1] if out else ""
        if prev.strip() and nxt and not re.match(r"[-*•>]|\d+[.)]\s", nxt) and (
                nxt[0].islower() or nxt[0].isdigit() or nxt[0] in "([" or
                (len(prev) >= 60 and not re.search(r"[.!?:;]$", prev.rstrip()) and not re.match(r"[^:\n]{1,40}:\s", nxt))):
            out[-1] = prev.rstrip() + " " + nxt
        else:
            out.append(line)
    return "\n".join(out)


def sentences(text: str) -> list[str]:
    """The sentences of a passage, its wrapped lines joined (a line is a sentence too; "Dr." and "no." do
    not end one)."""
    out: list[str] = []
    for piece in _SENT.split(unwrap(text)):
        piece = piece.strip()
        if out and _ABBREV.search(out[-1]) and piece:
            out[-1] += " " + piece
        elif piece:
            out.append(piece)
    return [s for s in out if len(s) > 2]


def best_quote(question: str, texts: Sequence[str], max_chars: int = 320) -> Quote | None:
    """The best answering sentence of ``texts`` (in rank order), or None when none shares a content word."""
    folded = fold(question)
    kinds: set[str] = set()
    rest = folded
    for rx, k in _ASKS:   # the words that ask for a kind of value ("phone number", "when") are the kind bonus
        if rx.search(rest):
            kinds |= k
            rest = rx.sub(" ", rest)
    want = content_words(rest) or content_words(question)
    if not want:
        return None
    split = [sentences(t) for t in texts]
    n_sent = sum(len(ss) for ss in split) or 1
    df = {w: sum(w in content_words(x) for ss in split for x in ss) for w in want}
    weight = {w: math.log(1 + n_sent / (1 + df[w])) for w in want}   # a word every passage has says little
    total = sum(weight.values()) or 1.0
    best: tuple[float, int, int] | None = None
    for rank, ss in enumerate(split):
        for i, sent in enumerate(ss):
            hits = want & content_words(sent)
            if not hits:
                continue
            score = sum(weight[w] for w in hits) / total + 0.15 / (1 + rank)
            if kinds and _has_kind(sent, kinds):
                score += 0.5
            score -= 0.002 * max(0, len(sent) - 200)
            if best is None or score > best[0]:
                best = (score, rank, i)
    if best is None:
        return None
    score, rank, i = best
    ss = split[rank]
    quote = ss[i]
    # A question is not an answer, and a sentence without the value asked for may sit next to one that has it:
    # "Are you coming to Mum's 60th?" + "I've booked the back room at the Castle Tavern."
    if quote.rstrip().endswith("?") or (kinds and not _has_kind(quote, kinds)):
        for j in (i + 1, i - 1):
            if 0 <= j < len(ss) and (_has_kind(ss[j], kinds) if kinds else j == i + 1):
                quote = f"{ss[min(i, j)]} {ss[max(i, j)]}"
                break
    return Quote(_clip(quote, max_chars), rank + 1, score)


def _has_kind(sentence: str, kinds: set[str]) -> bool:
    return any(v.kind in kinds for v in values_in(sentence))


def _clip(sentence: str, max_chars: int) -> str:
    """A sentence cut at a word boundary, never mid-word, with an ellipsis when cut."""
    s = " ".join(sentence.split())
    if len(s) <= max_chars:
        return s
    cut = s[:max_chars].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"
