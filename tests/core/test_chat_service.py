"""Chat service: context items numbered, citations parsed and fed back, answer stored with sources."""
from __future__ import annotations

from core.chat.context import ContextItem, PreparedContext
from tests.fakes import FakeChatModel


class Provider:
    def __init__(self) -> None:
        self.fed = None

    def prepare(self, query, history, conversation_id):
        return PreparedContext(system_text="The user is called Ada.", items=[
            ContextItem("memory", "memory:1", "Ada likes green tea", "chat of 2024-01-02"),
            ContextItem("passage", "chunk:7", "Ada lives in Lisbon", "notes.md line 3")])

    def feedback(self, prepared, shown, cited):
        self.fed = (len(shown), cited)


def test_send_builds_prompt_stores_sources_and_feeds_back(services):
    fake = FakeChatModel("You live in Lisbon [2].", by_words=True)
    services.set_llm(fake)
    p = Provider()
    services.chat.providers = [p]
    reply = services.chat.send("Where do I live?")
    assert "Lisbon" in reply.text
    system = fake.messages[0]["content"]
    assert "The user is called Ada." in system and "[1] (chat of 2024-01-02)" in system
    assert p.fed == (2, [2])
    stored = services.conversations.messages(reply.conversation_id)
    assert [m.role for m in stored] == ["user", "assistant"]
    assert [s["cited"] for s in stored[1].meta["sources"]] == [False, True]


def test_history_is_trimmed_to_context(services):
    fake = FakeChatModel("ok", by_words=True)
    services.set_llm(fake)
    services.settings_store.update({"model.n_ctx": "512", "generation.max_tokens": "128"})
    services.set_llm(fake)
    cid = services.conversations.create().id
    for i in range(60):
        services.conversations.add_message(cid, "user", f"message number {i} " + "blah " * 20)
    services.chat.send("last", cid)
    assert len(fake.messages) < 20 and fake.messages[-1]["content"] == "last"
