"""The chat service: one answer = context from the providers + the model's streamed reply.

The assistant message is stored with its sources (which ``[i]`` were shown and cited) and
its speed; providers get the citations back so they can learn from them.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from core.chat.citations import parse_citations, strip_no_cite
from core.chat.context import ContextItem, ContextProvider, PreparedContext
from core.chat.prompt import build_messages
from core.chat.store import ConversationStore
from core.errors import Cancelled, MnemoError
from core.ports import Cancellable, ChatModelLoader
from core.settings import SettingsStore

log = logging.getLogger(__name__)


@dataclass
class ChatReply:
    conversation_id: int
    message_id: int
    text: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    tokens_per_s: float = 0.0
    cancelled: bool = False


class ChatService:
    """Answers a user's message in a conversation, streaming tokens to ``on_token``."""

    def __init__(self, conversations: ConversationStore, settings: SettingsStore, llm: ChatModelLoader,
                 providers: Sequence[ContextProvider] = (), logits_processor: Callable[[], Any] | None = None) -> None:
        self.conversations = conversations
        self.settings = settings
        self._llm_provider = llm
        self.providers: list[ContextProvider] = list(providers)
        self._logits_processor = logits_processor  # returns a processor list or None (memory decoder)

    def add_provider(self, provider: ContextProvider) -> None:
        self.providers.append(provider)

    def set_logits_processor(self, factory: Callable[[], Any] | None) -> None:
        self._logits_processor = factory

    def prepare(self, text: str, history: Sequence[dict[str, str]], conversation_id: int | None) -> list[tuple[ContextProvider, PreparedContext]]:
        prepared = []
        for p in self.providers:
            try:
                prepared.append((p, p.prepare(text, history, conversation_id)))
            except MnemoError:
                raise
            except Exception as exc:  # a broken provider must not stop the chat
                log.exception("context provider %s failed", type(p).__name__)
                prepared.append((p, PreparedContext(system_text="", items=[], state={"error": str(exc)})))
        return prepared

    def send(self, text: str, conversation_id: int | None = None, on_token: Callable[[str], None] | None = None,
             cancel: Cancellable | None = None) -> ChatReply:
        """Store the user's message, answer it, store the answer; return the reply."""
        from models.llm import Sampling

        text = text.strip()
        if not text:
            raise MnemoError("The message is empty.", "Type something to send.")
        if conversation_id is None:
            conversation_id = self.conversations.create().id  # type: ignore[assignment]
        assert conversation_id is not None
        history = self.conversations.history(conversation_id)
        self.conversations.add_message(conversation_id, "user", text)

        prepared = self.prepare(text, history, conversation_id)
        items: list[ContextItem] = []
        owners: list[int] = []
        for idx, (_, pc) in enumerate(prepared):
            items.extend(pc.items)
            owners.extend([idx] * len(pc.items))
        s = self.settings.settings
        llm = self._llm_provider()
        budget = max(256, s.model.n_ctx - s.generation.max_tokens - 64)
        messages = build_messages(s.generation.system_prompt, [pc.system_text for _, pc in prepared], items,
                                  history, text, budget)
        sampling = Sampling(temperature=s.generation.temperature, top_p=s.generation.top_p, top_k=s.generation.top_k,
                            repeat_penalty=s.generation.repeat_penalty, max_tokens=s.generation.max_tokens,
                            seed=s.model.seed if s.model.seed >= 0 else None)
        processor = self._logits_processor() if self._logits_processor else None
        pieces: list[str] = []
        usage: dict[str, Any] = {}
        t0 = time.perf_counter()
        cancelled = False
        try:
            for piece in llm.stream_chat(messages, sampling, cancel=cancel, logits_processor=processor,
                                         on_done=usage.update):
                pieces.append(piece)
                if on_token is not None:
                    on_token(piece)
        except Cancelled:
            cancelled = True
        if cancel is not None and cancel.cancelled:
            cancelled = True
        raw = "".join(pieces)
        seconds = usage.get("seconds") or (time.perf_counter() - t0)
        cited = parse_citations(raw, len(items))
        answer = strip_no_cite(raw) or ("(stopped)" if cancelled else "(no answer)")
        sources = [{"n": i, **it.to_json(), "cited": i in cited} for i, it in enumerate(items, 1)]
        meta = {"sources": sources, "pieces": usage.get("pieces", len(pieces)), "seconds": round(seconds, 3),
                "tokens_per_s": round(usage.get("pieces", len(pieces)) / seconds, 2) if seconds else 0.0,
                "cancelled": cancelled, "model": llm.info.name if llm.loaded else ""}
        msg = self.conversations.add_message(conversation_id, "assistant", answer, meta=meta)
        if not cancelled:
            for idx, (provider, pc) in enumerate(prepared):
                shown = [it for it, o in zip(items, owners) if o == idx]
                offset = owners.index(idx) if idx in owners else 0
                local = [c - offset for c in cited if owners[c - 1] == idx]
                try:
                    provider.feedback(pc, shown, local)
                except Exception:
                    log.exception("feedback of %s failed", type(provider).__name__)
        return ChatReply(conversation_id, msg.id, answer, sources, meta["tokens_per_s"], cancelled)  # type: ignore[arg-type]
