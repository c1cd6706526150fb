"""The chat model on a real OpenAI-compatible server (llama-cpp-python's, on loopback, with the embedded GGUF):
info and context size, streaming, JSON, tokens, cancel, a wrong key, a server killed mid-answer, down then up."""
from __future__ import annotations

import threading

import pytest

from models.errors import LLMError
from models.llm import Sampling
from models.openai_llm import LLAMA_CPP_PYTHON, ModelServerError, OpenAIChatModel, OpenAIConfig
from tests.model_server import API_KEY, N_CTX, model_server  # noqa: F401  (the fixture)

HELLO = [{"role": "user", "content": "Write a long story about a lighthouse keeper."}]
GREEDY = Sampling(temperature=0.0, top_p=1.0, top_k=1, repeat_penalty=1.0, max_tokens=24, seed=7)


class Flag:
    def __init__(self) -> None:
        self.cancelled = False


@pytest.fixture
def remote(model_server):  # noqa: F811
    model_server.ensure_up()
    m = OpenAIChatModel(OpenAIConfig(base_url=model_server.url, api_key=API_KEY))
    yield m
    m.close()


def test_info_names_the_server_model_and_its_context_size(remote, model_server):  # noqa: F811
    assert not remote.loaded
    info = remote.info
    assert remote.loaded and remote.flavour == LLAMA_CPP_PYTHON
    assert info.name == model_server.gguf.stem and info.path == model_server.url
    assert info.n_ctx == N_CTX != 4096   # the server's, not the model.n_ctx default
    assert "refusal" in info.metadata["n_ctx_source"]
    assert remote.ping() > 0


def test_streams_pieces_and_reports_usage(remote):
    done: dict = {}
    pieces = list(remote.stream_chat(HELLO, GREEDY, on_done=done.update))
    assert len(pieces) > 3 and "".join(pieces).strip()
    assert done["pieces"] == len(pieces) and done["seconds"] > 0 and done["finish_reason"] == "length"
    assert done["server"] == remote.server
    assert remote.chat(HELLO, GREEDY) == "".join(pieces)   # greedy and seeded: the same answer again


def test_same_answer_as_the_embedded_model_on_the_same_gguf(remote, shared_llm):
    assert remote.chat(HELLO, GREEDY) == shared_llm.chat(HELLO, GREEDY)


def test_json_follows_the_schema(remote):
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "year": {"type": "integer"}},
              "required": ["city", "year"]}
    out = remote.complete_json([{"role": "user", "content": "Name a city and a year as JSON."}], schema,
                               Sampling(temperature=0.0, max_tokens=60))
    assert set(out) == {"city", "year"} and isinstance(out["city"], str) and isinstance(out["year"], int)


def test_tokens_come_from_the_server_and_match_the_embedded_tokenizer(remote, shared_llm):
    text = "Mnemo remembers <|im_start|> you."
    tokens = remote.tokenize(text)
    assert tokens == shared_llm.tokenize(text, special=True)   # the server parses special tokens
    assert remote.detokenize(tokens) == shared_llm.detokenize(tokens)   # both drop the special token's text
    plain = "Mnemo remembers you."
    assert remote.detokenize(remote.tokenize(plain)) == plain


def test_call_is_refused_with_what_to_do(remote):
    with pytest.raises(ModelServerError, match="embedded backend"):
        remote.call(lambda llm: llm.n_vocab())


def test_logits_processor_is_refused(remote):
    with pytest.raises(ModelServerError, match="memory decoder"):
        list(remote.stream_chat(HELLO, GREEDY, logits_processor=[object()]))


def test_cancel_stops_the_stream_and_the_next_answer_works(remote):
    flag = Flag()
    done: dict = {}
    pieces = []
    for piece in remote.stream_chat(HELLO, Sampling(max_tokens=400, seed=1), cancel=flag, on_done=done.update):
        pieces.append(piece)
        if len(pieces) == 3:
            flag.cancelled = True
    assert done["finish_reason"] == "cancelled" and len(pieces) < 10
    assert remote.chat(HELLO, GREEDY).strip()


@pytest.mark.parametrize("key,expect", [("wrong-key", "refused the API key"), (None, "has no API key set")])
def test_wrong_or_missing_key_is_a_clear_error(model_server, key, expect):  # noqa: F811
    model_server.ensure_up()
    m = OpenAIChatModel(OpenAIConfig(base_url=model_server.url, api_key=key))
    try:
        with pytest.raises(ModelServerError) as err:
            list(m.stream_chat(HELLO, GREEDY))
        msg = str(err.value)
        assert expect in msg and "HTTP 401" in msg and model_server.url in msg and "set-secret model.api_key" in msg
        assert "wrong-key" not in msg   # the key is never shown back
    finally:
        m.close()


def test_bad_addresses_are_refused_before_any_request():
    with pytest.raises(ModelServerError, match="no server address"):
        OpenAIChatModel(OpenAIConfig(base_url=""))
    with pytest.raises(ModelServerError, match="not an http"):
        OpenAIChatModel(OpenAIConfig(base_url="127.0.0.1:8080"))


def test_server_killed_mid_answer_then_down_then_back(remote, model_server):  # noqa: F811
    remote.load()
    pieces: list[str] = []
    with pytest.raises(ModelServerError) as err:
        for piece in remote.stream_chat(HELLO, Sampling(max_tokens=1000, seed=1)):
            pieces.append(piece)
            if len(pieces) == 2:
                threading.Thread(target=model_server.kill).start()
    assert 2 <= len(pieces) < 1000
    assert model_server.url in str(err.value) and "send again" in str(err.value)
    with pytest.raises(ModelServerError) as err:   # down: a clear error, at once
        remote.chat(HELLO, GREEDY)
    assert "Could not connect" in str(err.value) and "the next message works" in str(err.value)
    model_server.start()
    assert remote.chat(HELLO, GREEDY).strip()       # the same object works again: no restart of Mnemo


def test_closed_model_refuses(model_server):  # noqa: F811
    m = OpenAIChatModel(OpenAIConfig(base_url=model_server.url, api_key=API_KEY))
    m.close()
    with pytest.raises(LLMError, match="closed"):
        m.load()
