"""models.gguf_info: a GGUF's facts from its header, and the tokenizer hash without loading the model."""
from __future__ import annotations

from pathlib import Path

import pytest

from models.embedded import default_gguf
from models.errors import ModelFileError
from models.gguf_info import estimate_memory, read_gguf_info, tokenizer_hash_by_loading
from tests.models.gguf_helpers import GPT2_TOKENS, SPM_TOKENS, write_tiny_gguf


def test_the_embedded_model_s_facts_and_tokenizer_hash_match_the_loaded_model(shared_llm) -> None:
    path = default_gguf()
    assert path is not None
    info = read_gguf_info(path)
    assert info.architecture == "llama"
    assert info.quantization == "Q4_1"
    assert 130e6 < info.parameters < 140e6 and info.parameters_label == "135M"
    assert info.context_length == 8192 and info.chat_template
    assert (info.n_layers, info.n_head, info.n_head_kv, info.n_vocab) == (30, 9, 3, 49152)
    assert info.file_size == path.stat().st_size and 0 < info.weights_bytes <= info.file_size
    # the hash the memory decoder's checkpoint records: that of the model llama.cpp loaded
    assert info.tokenizer_hash == shared_llm.info.tokenizer_hash
    # 30 layers x 3 KV heads x (64 + 64) x 2 bytes per token, f16
    est = estimate_memory(info, 4096)
    assert est.kv_cache == 30 * 3 * 128 * 2 * 4096
    assert est.weights == info.weights_bytes and est.total > est.weights + est.kv_cache


@pytest.mark.parametrize("vocab", ["gpt2", "llama"])
def test_the_hash_from_the_token_list_equals_llama_cpp_s(tmp_path: Path, vocab: str) -> None:
    """BPE (GPT-2 bytes, a token past the 32-byte buffer, a character outside the byte map) and SentencePiece
    (▁, <0xXX> bytes, unknown, control, user-defined and unused tokens): the same bytes as llama.cpp's pieces."""
    p = write_tiny_gguf(tmp_path / f"tiny-{vocab}.gguf", vocab=vocab)
    info = read_gguf_info(p)
    assert info.n_vocab == len(GPT2_TOKENS if vocab == "gpt2" else SPM_TOKENS)
    assert info.tokenizer_hash is not None
    assert info.tokenizer_hash == tokenizer_hash_by_loading(p)


def test_another_tokenizer_gives_another_hash(tmp_path: Path) -> None:
    a = read_gguf_info(write_tiny_gguf(tmp_path / "a.gguf", vocab="gpt2"))
    b = read_gguf_info(write_tiny_gguf(tmp_path / "b.gguf", vocab="llama"))
    assert a.tokenizer_hash != b.tokenizer_hash


def test_tiny_model_facts(tmp_path: Path) -> None:
    p = write_tiny_gguf(tmp_path / "t.gguf", context_length=512, chat_template=False, name="Tiny")
    info = read_gguf_info(p)
    assert (info.name, info.architecture, info.context_length, info.chat_template) == ("Tiny", "llama", 512, False)
    assert info.quantization == "F32"
    assert info.parameters == len(GPT2_TOKENS) * 16 + 16 + 1024
    assert info.kv_per_token_bytes == 2 * 2 * (4 + 4) * 2   # layers x KV heads x (k + v head dims of 16/4) x f16


def test_a_damaged_or_foreign_file_is_a_clear_error(tmp_path: Path) -> None:
    p = write_tiny_gguf(tmp_path / "t.gguf")
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(p.read_bytes()[:1500])
    with pytest.raises(ModelFileError, match="truncated or damaged"):
        read_gguf_info(cut)
    html = tmp_path / "page.gguf"
    html.write_text("<html>" + "x" * 2000)
    with pytest.raises(ModelFileError, match="not a GGUF"):
        read_gguf_info(html)
