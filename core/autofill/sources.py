"""Adapters from the other features' services to what autofill needs, found with getattr.

Autofill runs with whatever has landed: the persona's facts when there is a persona
service, passages from documents and memories when those have a search. Each adapter
returns None when its feature is absent, and autofill then does without it.
"""
from __future__ import annotations

import inspect
import logging
from typing import Any, Callable, Sequence

from core.autofill.ask import SearchFn
from core.autofill.model import FactSource

log = logging.getLogger(__name__)


def persona_facts(services: Any) -> FactSource | None:
    """``services.persona.facts`` when the persona feature exists."""
    persona = getattr(services, "persona", None)
    facts = getattr(persona, "facts", None)
    return facts if facts is not None and hasattr(facts, "all") else None


def _call_search(fn: Callable[..., Any], query: str, k: int) -> Any:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    for name in ("k", "limit", "top_k", "n"):
        if name in params:
            return fn(query, **{name: k})
    return fn(query)


def _hit(prefix: str, h: Any) -> tuple[str, str] | None:
    if isinstance(h, dict):
        text = h.get("text") or h.get("summary") or h.get("content") or ""
        ref = h.get("source") or h.get("id") or ""
    else:
        text = getattr(h, "text", None) or getattr(h, "summary", None) or getattr(h, "content", None) or ""
        ref = getattr(h, "source", None) or getattr(h, "id", None) or getattr(h, "chunk_id", "") or ""
    if not text:
        return None
    return f"{prefix}:{ref}", str(text)


def memory_search(services: Any) -> SearchFn | None:
    """Passages from imported documents and reflected memories (those that exist), documents first."""
    fns: list[tuple[str, Callable[..., Any]]] = []
    for attr, prefix in (("documents", "document"), ("memory", "memory")):
        svc = getattr(services, attr, None)
        fn = getattr(svc, "search", None)
        if callable(fn):
            fns.append((prefix, fn))
    if not fns:
        return None

    def search(query: str, k: int) -> Sequence[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for prefix, fn in fns:
            try:
                hits = _call_search(fn, query, k) or []
            except Exception as exc:
                log.warning("autofill: %s search failed: %s", prefix, exc)
                continue
            for h in list(hits)[:k]:
                item = _hit(prefix, h)
                if item:
                    out.append(item)
        return out[:k]

    return search
