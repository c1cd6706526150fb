"""The last resort for a field no profile fact answers: ask the model, with retrieved memories, for a cited value.

The model sees numbered passages and must name the one it used; an answer that does not
occur verbatim (case and spacing aside) in the passage it cites is thrown away, so the small
embedded model cannot invent a value. "unknown" is always a valid answer.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from core.labels.lexicon import normalize
from core.autofill.model import FormField

log = logging.getLogger(__name__)

# (query, k) -> [(citation, text)]
SearchFn = Callable[[str, int], Sequence[tuple[str, str]]]

_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string", "maxLength": 120}, "source": {"type": "integer", "minimum": 0, "maximum": 9}},
    "required": ["answer", "source"],
}
_SYSTEM = ("You fill in one field of a form for the user. Use only the numbered notes about the user. "
           "Reply as JSON: {\"answer\": the exact value to enter, \"source\": the number of the note it comes from}. "
           "If the notes do not say it, reply {\"answer\": \"unknown\", \"source\": 0}. Never guess.")


@dataclass
class Answer:
    value: str
    citation: str
    text: str


def _plain(text: str) -> str:
    return " ".join(text.casefold().split())


def grounded(value: str, text: str) -> bool:
    """``value`` occurs in ``text`` as written (only case and spacing may differ), as whole words."""
    v, t = _plain(value).strip(" .,;:"), _plain(text)
    if not v:
        return False
    # whole tokens: "1:04" is not in "1:04:12", nor "Mink" in "Minka"
    return re.search(rf"(?<!\w)(?<!\w[:./@-]){re.escape(v)}(?!\w)(?![:./@-]\w)", t) is not None


def ask_model(llm: Any, search: SearchFn, field: FormField, k: int = 4) -> Answer | None:
    """A grounded answer for ``field`` or None ("unknown")."""
    question = field.label or field.aria_label or field.placeholder or field.name
    if not question.strip():
        return None
    try:
        passages = [(c, t) for c, t in search(question, k) if t and t.strip()][:k]
    except Exception as exc:  # search is another feature's; a failure there means "unknown" here
        log.warning("autofill: memory search failed: %s", exc)
        return None
    if not passages:
        return None
    notes = "\n".join(f"[{i + 1}] {t.strip()[:600]}" for i, (_, t) in enumerate(passages))
    opts = ""
    if field.options:
        opts = "\nChoose one of: " + "; ".join(o.label or o.value for o in field.options)
    messages = [{"role": "system", "content": _SYSTEM},
                {"role": "user", "content": f"Notes:\n{notes}\n\nForm field: \"{question}\"{opts}\nJSON:"}]
    try:
        out = llm.complete_json(messages, _SCHEMA)
    except Exception as exc:
        log.warning("autofill: the model did not answer for %r: %s", question, exc)
        return None
    if not isinstance(out, dict):
        return None
    value = str(out.get("answer", "")).strip()
    try:
        idx = int(out.get("source", 0))
    except (TypeError, ValueError):
        return None
    if not value or normalize(value) in ("unknown", "", "none", "n a", "null") or not 1 <= idx <= len(passages):
        return None
    cite, text = passages[idx - 1]
    nv = normalize(value)
    if len(nv) < 2 or not grounded(value, text):
        return None  # not in the cited passage as written: refuse rather than guess
    if normalize(question) in nv:
        return None  # echoed the label
    return Answer(value=value, citation=cite, text=text)
