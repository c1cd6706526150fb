"""The chat service: one answer = a stored value, or context from the providers + the model's checked reply.

A question whose answer is a stored value (the profile, a person's record) is answered from
it by a ``DirectAnswerer`` without the model. Everything else: the providers' context goes
to the model, whose draft reaches the user a sentence at a time, each checked against what
the answer may draw on (``core.chat.grounded``); a sentence that fails ends the draft and
the extractive answer takes its place. The assistant message is stored with its sources
(which ``[i]`` were shown and cited), its speed and what the check did; providers get the
citations back so they can learn from them.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from core.chat.context import ContextItem, ContextProvider, DirectAnswer, DirectAnswerer, PreparedContext
from core.chat.grounded import SentenceGate, fallback, settle, support_for
from core.grounding.extractive import is_question
from core.chat.prompt import build_messages
from core.chat.store import ConversationStore
from core.errors import Cancelled, MnemoError
from core.ports import Cancellable, ChatModel, ChatModelLoader
from core.settings import SettingsStore

if TYPE_CHECKING:
    from models.llm import Sampling

log = logging.getLogger(__name__)


@dataclass
class ChatReply:
    conversation_id: int
    message_id: int
    text: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    tokens_per_s: float = 0.0
    cancelled: bool = False
    grounding: str = "model"       # "model" (the draft passed), "fact" (a stored value), "extractive" (fallback)


class ChatService:
    """Answers a user's message in a conversation, streaming tokens to ``on_token``."""

    def __init__(self, conversations: ConversationStore, settings: SettingsStore, llm: ChatModelLoader,
                 providers: Sequence[ContextProvider] = (), logits_processor: Callable[[], Any] | None = None) -> None:
        self.conversations = conversations
        self.settings = settings
        self._llm_provider = llm
        self.providers: list[ContextProvider] = list(providers)
        self._logits_processor = logits_processor  # returns a processor list or None (memory decoder)
        self._processor_notice: Callable[[], str] | None = None  # why that list is None although it is enabled
        self.answerers: list[DirectAnswerer] = []

    def add_provider(self, provider: ContextProvider) -> None:
        self.providers.append(provider)

    def add_answerer(self, answerer: DirectAnswerer) -> None:
        self.answerers.append(answerer)

    def direct(self, text: str) -> DirectAnswer | None:
        """The first stored-value answer to ``text`` (found or known missing), or None."""
        missing: DirectAnswer | None = None
        for a in self.answerers:
            try:
                got = a.answer(text)
            except MnemoError:
                raise
            except Exception:
                log.exception("answerer %s failed", type(a).__name__)
                continue
            if got is not None and got.found:
                return got
            missing = missing or got
        return missing

    def set_logits_processor(self, factory: Callable[[], Any] | None, notice: Callable[[], str] | None = None) -> None:
        """``factory()`` gives the processors of an answer (or None); ``notice()`` says why None, for its meta."""
        self._logits_processor = factory
        self._processor_notice = notice

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
        text = text.strip()
        if not text:
            raise MnemoError("The message is empty.", "Type something to send.")
        if conversation_id is None:
            conversation_id = self.conversations.create().id
        assert conversation_id is not None
        history = self.conversations.history(conversation_id)
        self.conversations.add_message(conversation_id, "user", text)
        vault = self.conversations.sensitive
        if vault is not None:  # the model sees placeholders, like everything stored, unless a setting allows more
            text = vault.mask(text)

        direct = self.direct(text)
        if direct is not None and direct.found:
            return self._store(conversation_id, direct.text, direct.items, list(range(1, len(direct.items) + 1)),
                               {"grounding": "fact"}, on_token, "fact")

        prepared = self.prepare(text, history, conversation_id)
        items: list[ContextItem] = []
        owners: list[int] = []   # which provider each numbered item came from
        for idx, (_, pc) in enumerate(prepared):
            items.extend(pc.items)
            owners.extend([idx] * len(pc.items))
        missing = direct.missing if direct is not None else ""
        if direct is not None and not items:   # a value Mnemo does not hold, and no passage to look in
            quote, _ = fallback(text, [], missing)
            return self._store(conversation_id, quote, [], [], {"grounding": {"mode": "extractive",
                                                                              "rejected": ["not-found"]}},
                               on_token, "extractive")
        llm = self._llm_provider()
        s = self.settings.settings
        n_ctx = llm.info.n_ctx if s.model.backend == "openai" else s.model.n_ctx   # a server says its own context size
        budget = max(256, n_ctx - s.generation.max_tokens - 64)
        system_texts = [pc.system_text for _, pc in prepared]
        messages = build_messages(s.generation.system_prompt, system_texts, items, history, text, budget)
        if vault is not None and s.privacy.sensitive_in_prompt:
            messages = [{**m, "content": vault.reveal(m["content"])} for m in messages]
        gate = SentenceGate(support_for(text, history, system_texts, items), on_token, cancel,
                            cite_from=len(items) if is_question(text) or direct is not None else 0, question=text)
        raw, meta = self._stream(llm, messages, gate.feed, gate)
        gate.finish()
        cancelled = bool(cancel is not None and cancel.cancelled)
        meta["cancelled"] = cancelled
        done = settle(gate, text, items, missing, cancelled, on_token)
        meta["grounding"] = {"mode": done.mode, **({"rejected": done.rejected} if done.rejected else {})}
        answer, cited, mode = done.text, done.cited, done.mode
        reply = self._store(conversation_id, answer, items, cited, meta, None, mode)
        if not cancelled:
            self._feedback(prepared, items, owners, cited)
        return reply

    def _store(self, conversation_id: int, answer: str, items: list[ContextItem], cited: list[int],
               meta: dict[str, Any], on_token: Callable[[str], None] | None, mode: str) -> ChatReply:
        """Store the assistant's answer with its numbered sources; stream it when nothing streamed it yet."""
        if on_token is not None:
            on_token(answer)
        sources = [{"n": i, **it.to_json(), "cited": i in cited} for i, it in enumerate(items, 1)]
        msg = self.conversations.add_message(conversation_id, "assistant", answer, meta={"sources": sources, **meta})
        assert msg.id is not None
        return ChatReply(conversation_id, msg.id, answer, sources, float(meta.get("tokens_per_s", 0.0)),
                         bool(meta.get("cancelled", False)), mode)

    def _sampling(self) -> Sampling:
        from models.llm import Sampling

        g, seed = self.settings.settings.generation, self.settings.settings.model.seed
        return Sampling(temperature=g.temperature, top_p=g.top_p, top_k=g.top_k, repeat_penalty=g.repeat_penalty,
                        max_tokens=g.max_tokens, seed=seed if seed >= 0 else None)

    def _stream(self, llm: ChatModel, messages: list[dict[str, str]], on_token: Callable[[str], None] | None,
                cancel: Cancellable | None) -> tuple[str, dict[str, Any]]:
        """The model's answer to ``messages``, streamed to ``on_token``; returns (text, speed and stop figures)."""
        processor = self._logits_processor() if self._logits_processor else None
        pieces: list[str] = []
        usage: dict[str, Any] = {}
        t0 = time.perf_counter()
        first: float | None = None   # the prompt read and the first piece made
        cancelled = False
        try:
            for piece in llm.stream_chat(messages, self._sampling(), cancel=cancel, logits_processor=processor,
                                         on_done=usage.update):
                if first is None:
                    first = time.perf_counter() - t0
                pieces.append(piece)
                if on_token is not None:
                    on_token(piece)
        except Cancelled:
            cancelled = True
        cancelled = cancelled or (cancel is not None and cancel.cancelled)   # the caller tells stop from fail
        seconds = usage.get("seconds") or (time.perf_counter() - t0)
        n = usage.get("pieces", len(pieces))
        meta = {"pieces": n, "seconds": round(seconds, 3), "tokens_per_s": round(n / seconds, 2) if seconds else 0.0,
                "cancelled": cancelled, "model": llm.info.name if llm.loaded else ""}
        if first is not None:
            meta["first_piece_s"] = round(first, 3)
        if usage.get("server"):
            meta["server"] = usage["server"]
        notice = self._processor_notice() if processor is None and self._processor_notice else ""
        if notice:
            meta["decoder"] = notice
        return "".join(pieces), meta

    @staticmethod
    def _feedback(prepared: list[tuple[ContextProvider, PreparedContext]], items: list[ContextItem],
                  owners: list[int], cited: list[int]) -> None:
        """Hand each provider the citations of its own items (numbered from 1 within the provider)."""
        for idx, (provider, pc) in enumerate(prepared):
            shown = [it for it, o in zip(items, owners) if o == idx]
            offset = owners.index(idx) if idx in owners else 0
            local = [c - offset for c in cited if owners[c - 1] == idx]
            try:
                provider.feedback(pc, shown, local)
            except Exception:
                log.exception("feedback of %s failed", type(provider).__name__)
