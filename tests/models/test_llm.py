"""The llama.cpp runtime: clear errors for bad files, real generation, JSON output, info."""
from __future__ import annotations

import pytest

from models.gguf_check import ModelFileError
from models.llm import LlamaConfig, LlamaRuntime, Sampling


@pytest.mark.parametrize("content,expect", [
    (None, "does not exist"),
    (b"", "not a GGUF"),
    (b"PK\x03\x04 this is a zip file, not a model" * 50, "not a GGUF"),
    (b"GGUF\x03\x00\x00\x00", "truncated"),
])
def test_bad_model_file_gives_clear_error_naming_it(tmp_path, content, expect):
    path = tmp_path / "model.gguf"
    if content is not None:
        path.write_bytes(content)
    rt = LlamaRuntime(LlamaConfig(path=str(path)))
    with pytest.raises(ModelFileError) as err:
        rt.load()
    assert expect in str(err.value) and str(path) in str(err.value)
    rt.close()


def test_truncated_real_gguf_is_reported(tmp_path):
    from models.embedded import default_gguf

    src = default_gguf()
    cut = tmp_path / "cut.gguf"
    with open(src, "rb") as f:
        cut.write_bytes(f.read(3_000_000))
    rt = LlamaRuntime(LlamaConfig(path=str(cut)))
    with pytest.raises(ModelFileError) as err:
        rt.load()
    assert str(cut) in str(err.value)
    rt.close()


def test_info_of_embedded_model(shared_llm):
    info = shared_llm.info
    assert info.n_vocab == 49152
    assert info.n_layers == 30
    assert len(info.tokenizer_hash) == 16
    assert info.layers_offloaded >= 0


def test_stream_chat_and_cancel(shared_llm):
    from core.jobs import CancelToken

    msgs = [{"role": "user", "content": "Count from one to twenty in words."}]
    pieces = list(shared_llm.stream_chat(msgs, Sampling(temperature=0.0, max_tokens=24)))
    assert len(pieces) > 3 and "".join(pieces).strip()
    token = CancelToken()
    got = []
    for p in shared_llm.stream_chat(msgs, Sampling(temperature=0.0, max_tokens=200)):
        got.append(p)
        if len(got) == 3:
            token.cancel()
    # without passing the token generation runs on; with it, it stops early
    stopped = []
    token2 = CancelToken()
    for p in shared_llm.stream_chat(msgs, Sampling(temperature=0.0, max_tokens=200), cancel=token2):
        stopped.append(p)
        if len(stopped) == 2:
            token2.cancel()
    assert len(stopped) <= 4 < len(got)


def test_complete_json_follows_schema(shared_llm):
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
              "required": ["name", "age"]}
    out = shared_llm.complete_json(
        [{"role": "user", "content": "Ada is 36 years old. Give her name and age as JSON."}], schema,
        Sampling(temperature=0.0, max_tokens=64))
    assert isinstance(out["name"], str) and isinstance(out["age"], int)
