"""End to end with the chat model on a real server (llama-cpp-python's, on loopback, the embedded GGUF):
Services and ``mnemo chat -m`` answer through it, the prompt fits the server's context, the grounding gate
still checks the draft, the decoder says why it is off, doctor shows the server; a down server is a clear
error and the chat works again once it is back."""
from __future__ import annotations

import re

import pytest

from core.decoder.service import REMOTE_NOTICE
from core.errors import MnemoError
from tests.e2e.test_cli_chat import mnemo
from tests.fakes import FakeEmbedder
from tests.model_server import API_KEY, N_CTX, model_server  # noqa: F401  (the fixture)

HARBOUR = ("Yesterday I walked along the harbour wall and counted the fishing boats, talked to the harbour master about "
           "the tides, the old lighthouse, the storms of last winter and the ferry timetable to the islands. ") * 6


@pytest.fixture
def remote_services(home, model_server):  # noqa: F811
    from app.services import Services

    model_server.ensure_up()
    s = Services(home)
    s.set_embedder(FakeEmbedder())
    s.persona.set_model_use(False, False)   # its background model calls would queue before each answer
    s.secrets.set("model.api_key", API_KEY)
    # model.n_ctx far above the server's: a budget taken from the setting would overflow the server's 2048
    s.settings_store.update({"model.backend": "openai", "model.base_url": model_server.url, "model.n_ctx": 32768,
                             "decoder.enabled": True, "generation.max_tokens": 48, "generation.temperature": 0.0})
    yield s
    s.close()


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


def test_chat_fits_the_servers_context_and_says_the_decoder_is_off(remote_services, model_server):  # noqa: F811
    from models.openai_llm import OpenAIChatModel

    s = remote_services
    assert isinstance(s.llm, OpenAIChatModel)
    cid = s.conversations.create().id
    for _ in range(4):   # ~2,500 tokens of earlier turns: more than the server's whole context
        s.conversations.add_message(cid, "user", HARBOUR)
        s.conversations.add_message(cid, "assistant", "That sounds like a lovely walk by the water.")
    reply = s.chat.send("Tell me about the ferry.", cid)
    assert reply.text.strip() and s.llm.info.n_ctx == N_CTX
    meta = s.conversations.messages(cid)[-1].meta
    assert meta["server"] == model_server.url and meta["pieces"] > 0 and meta["tokens_per_s"] > 0
    assert meta["decoder"] == REMOTE_NOTICE
    st = s.decoder.status()
    assert not st.active and st.notice == REMOTE_NOTICE
    with pytest.raises(MnemoError, match="cannot be turned on"):
        s.decoder.enable()


def test_grounding_gate_checks_the_servers_draft(remote_services):
    reply = remote_services.chat.send("What is 1234 times 5678? Answer with just the number.")
    assert reply.grounding in ("model", "extractive")
    assert _numbers(reply.text) <= {"1234", "5678"}, reply.text   # a computed number is not in any note: never shown


def test_cli_chat_doctor_and_a_server_that_goes_down(tmp_path, model_server):  # noqa: F811
    """Each CLI call loads Mnemo (and ``chat`` the embedder): few calls. Down then back is tested in process below."""
    model_server.ensure_up()
    home = tmp_path / "h"
    for key, value in (("model.backend", "openai"), ("model.base_url", model_server.url),
                       ("generation.max_tokens", "24")):
        assert mnemo(home, "settings", "set", key, value).returncode == 0
    r = mnemo(home, "settings", "set-secret", "model.api_key", input=API_KEY + "\n")
    assert r.returncode == 0 and API_KEY not in r.stdout + r.stderr
    assert API_KEY not in (home / "settings.json").read_text()
    r = mnemo(home, "chat", "-m", "Hello there")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()
    r = mnemo(home, "doctor", "--no-load")
    assert r.returncode == 0, r.stdout
    for needle in (f"at {model_server.url}", "llama-cpp-python server", "SmolLM2-135M-Instruct", f"context {N_CTX} tokens",
                   "round trip:", "API key: set"):
        assert needle in r.stdout, needle
    assert API_KEY not in r.stdout
    assert "memory decoder is off" in mnemo(home, "decoder", "status").stdout

    model_server.kill()
    r = mnemo(home, "chat", "-m", "Are you there?")
    assert r.returncode == 2 and "Could not connect" in r.stderr and model_server.url in r.stderr
    assert "Traceback" not in r.stderr
    r = mnemo(home, "doctor", "--no-load")
    assert r.returncode == 1 and "server: ERROR Could not connect" in r.stdout


def test_services_chat_works_again_after_the_server_restarts(remote_services, model_server):  # noqa: F811
    s = remote_services
    assert s.chat.send("Hello").text.strip()
    model_server.kill()
    with pytest.raises(MnemoError, match="Could not connect"):
        s.chat.send("Still there?")
    model_server.start()
    assert s.chat.send("And now?").text.strip()   # the same Services: no restart of Mnemo
