"""Model extraction of profile facts: JSON-schema-constrained output, checked against the text.

Rules find the well-formed values (see ``rules``); the model is asked for the rest. Small
models invent, so every value the model gives must occur in the text it read, keys are
normalized to autocomplete tokens, and a key a rule already found in that text is left
to the rule.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from core.persona.keys import AUTOCOMPLETE_TOKENS, is_valid_key, normalize_key
from core.persona.rules import Candidate, _typed
from core.ports import ChatModel

log = logging.getLogger(__name__)

MODEL_CONFIDENCE = 0.6         # a model the user chose: one grounded answer makes a fact
SMALL_MODEL_CONFIDENCE = 0.4   # the embedded 135M model: it needs a second source to agree (it names friends)
MAX_CHARS = 1800

FACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "maxItems": 8,
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string", "maxLength": 40},
                               "value": {"type": "string", "maxLength": 80}},
                "required": ["key", "value"],
            },
        }
    },
    "required": ["facts"],
}

SYSTEM = (
    "You extract facts about the writer of a text (the user). Only facts the text states about the writer "
    "themselves, never about other people. Use these keys where one fits: name, given-name, family-name, email, "
    "tel, street-address, address-level2 (city), postal-code, country-name, bday, organization, "
    "organization-title (job), url, sex, language; otherwise a short key like favorite-food, partner-name, "
    "pet-name, hobby. Copy each value exactly as written. If there is nothing about the writer, return "
    '{"facts": []}.')

EXAMPLE_IN = "Notes: I'm Tom Berg, I teach maths at Riverside School and my dog is called Rex. Anna called about the trip."
EXAMPLE_OUT = ('{"facts": [{"key": "name", "value": "Tom Berg"}, {"key": "organization-title", "value": "maths teacher"}, '
               '{"key": "organization", "value": "Riverside School"}, {"key": "pet-name", "value": "Rex"}]}')

_PERSONAL = re.compile(r"\b(I|I'm|I've|my|me|mine|myself)\b", re.I)


def worth_asking(text: str) -> bool:
    """Only texts in which the writer talks about themselves go to the model."""
    return len(_PERSONAL.findall(text)) >= 1 and len(text.strip()) >= 20


def _grounded(value: str, text: str) -> bool:
    fold = lambda t: re.sub(r"\W+", " ", t.casefold()).strip()  # noqa: E731
    v = fold(value)
    return bool(v) and f" {v} " in f" {fold(text)} "


def model_confidence(llm: ChatModel) -> float:
    """The embedded 135M model's facts count for less than those of a model the user picked."""
    from models.embedded import default_gguf

    embedded = default_gguf()
    return SMALL_MODEL_CONFIDENCE if embedded is not None and llm.info.path == str(embedded) else MODEL_CONFIDENCE


def model_candidates(llm: ChatModel, text: str, known_keys: set[str] = frozenset()) -> list[Candidate]:  # type: ignore[assignment]
    """Ask the model for facts in ``text``; keep only grounded values with usable keys."""
    text = text.strip()[:MAX_CHARS]
    messages = [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": EXAMPLE_IN}, {"role": "assistant", "content": EXAMPLE_OUT},
                {"role": "user", "content": text}]
    try:
        from models.llm import Sampling

        answer = llm.complete_json(messages, FACT_SCHEMA, Sampling(temperature=0.0, max_tokens=400))
    except Exception as exc:  # the model's answer is advisory: rules already ran
        log.info("model extraction skipped: %s", type(exc).__name__)
        return []
    out: list[Candidate] = []
    items = answer.get("facts", []) if isinstance(answer, dict) else []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        key = normalize_key(str(item.get("key", "")))
        value = str(item.get("value", "")).strip()
        if not is_valid_key(key) or key in known_keys or not value or not _grounded(value, text):
            continue
        if key not in AUTOCOMPLETE_TOKENS and len(key.split("-")) > 3:
            continue
        if value.casefold() in ("i", "me", "my", "user", "the user", "writer", "unknown", "none", "n/a"):
            continue
        out.extend(_typed(key, value, model_confidence(llm), "model"))
    return out
