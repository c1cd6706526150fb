"""With the chat model on a server, the prompt budget is the server's context size (not model.n_ctx) and the
answer's meta says why an enabled memory decoder was not mixed in."""
from __future__ import annotations

from core.decoder.service import REMOTE_NOTICE
from tests.fakes import FakeChatModel, FakeEmbedder


def _send_long_history(services, fake) -> dict:
    services.set_llm(fake)   # after the settings change, which drops the model
    services.set_embedder(FakeEmbedder())
    cid = services.conversations.create().id
    for i in range(60):
        services.conversations.add_message(cid, "user", f"message number {i} " + "blah " * 20)
    services.chat.send("last", cid)
    return services.conversations.messages(cid)[-1].meta


def test_server_context_size_bounds_the_prompt(services):
    fake = FakeChatModel("ok", by_words=True)
    fake.info.n_ctx = 512   # what the server says
    services.settings_store.update({"model.backend": "openai", "model.n_ctx": "32768", "generation.max_tokens": "128",
                                    "decoder.enabled": True})
    meta = _send_long_history(services, fake)
    assert len(fake.messages) < 20 and fake.messages[-1]["content"] == "last"
    assert meta["decoder"] == REMOTE_NOTICE


def test_embedded_backend_keeps_model_n_ctx(services):
    fake = FakeChatModel("ok", by_words=True)
    fake.info.n_ctx = 512   # ignored: the embedded runtime is loaded with model.n_ctx
    services.settings_store.update({"model.n_ctx": "32768", "generation.max_tokens": "128"})
    meta = _send_long_history(services, fake)
    assert len(fake.messages) > 60
    assert "decoder" not in meta   # the decoder is off: nothing to explain
