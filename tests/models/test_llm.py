"""The llama.cpp runtime: clear errors for bad files, real generation, JSON output, info."""
from __future__ import annotations

import struct

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


_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}


def _gguf_metadata(path) -> dict[str, object]:
    """A GGUF file's key/value header, read without llama.cpp: scalars and strings as they are, arrays as lengths."""
    with open(path, "rb") as f:
        def num(fmt: str):
            return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]

        def string() -> str:
            return f.read(num("<Q")).decode("utf-8")

        def value(kind: int):
            if kind == 8:
                return string()
            if kind == 9:
                item, n = num("<I"), num("<Q")
                if item in _GGUF_SCALARS:
                    f.seek(struct.calcsize(_GGUF_SCALARS[item]) * n, 1)
                else:
                    for _ in range(n):
                        value(item)
                return n
            return num(_GGUF_SCALARS[kind])

        assert f.read(4) == b"GGUF"
        _version, _n_tensors, n_kv = struct.unpack("<IQQ", f.read(20))
        return {string(): value(num("<I")) for _ in range(n_kv)}


def test_info_of_embedded_model(shared_llm):
    import llama_cpp

    from models.embedded import default_gguf

    info = shared_llm.info
    meta = _gguf_metadata(default_gguf())
    arch = meta["general.architecture"]
    # what the status bar and `mnemo doctor` show is what the file says
    assert info.path == str(default_gguf()) and info.architecture == arch == "llama"
    assert info.name == meta["general.name"] and info.metadata["general.name"] == meta["general.name"]
    assert info.n_layers == meta[f"{arch}.block_count"] == 30
    assert info.n_vocab == meta["tokenizer.ggml.tokens"] == 49152
    assert "tokenizer.chat_template" in meta and info.chat_template is True
    assert info.n_ctx == shared_llm.config.n_ctx == 2048
    assert len(info.tokenizer_hash) == 16 and int(info.tokenizer_hash, 16) >= 0
    # GPU offload: the request is the setting (-1: all layers); a CPU build offloads none, a GPU build at most
    # every block plus the output layer
    assert info.n_gpu_layers_requested == shared_llm.config.n_gpu_layers == -1
    assert info.gpu_offload_supported is bool(llama_cpp.llama_supports_gpu_offload())
    if info.gpu_offload_supported:
        assert 0 <= info.layers_offloaded <= info.n_layers + 1
    else:
        assert info.layers_offloaded == 0


def test_no_layers_offloaded_when_none_are_requested():
    rt = LlamaRuntime(LlamaConfig(n_gpu_layers=0, n_ctx=256))
    try:
        info = rt.load()
        assert info.n_gpu_layers_requested == 0 and info.layers_offloaded == 0 and info.n_ctx == 256
    finally:
        rt.close()


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
