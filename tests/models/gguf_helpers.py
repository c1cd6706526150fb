"""Tiny GGUF files for tests, written with gguf.GGUFWriter: a real header and tokenizer, a few KB of tensors."""
from __future__ import annotations

from pathlib import Path

import numpy as np

GPT2_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "a", "b", "c", "Ġhello", "Ġworld", "ĊĊ", "é",
               "Ã©", "<extra>", "Ġ" + "x" * 40, "Ġ中"]
SPM_TOKENS = ["<unk>", "<s>", "</s>", "<0x0A>", "<0xE2>", "▁hello", "▁world", "lo", "▁", "<user>", "unused"]


def write_tiny_gguf(path: Path, *, vocab: str = "gpt2", pad_bytes: int = 4096, context_length: int = 256,
                    chat_template: bool = True, name: str = "tiny test model") -> Path:
    """A llama-architecture GGUF with 2 layers, 4 heads (2 KV heads), a tokenizer, and ``pad_bytes`` of f32 data."""
    import gguf

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name(name)
    w.add_block_count(2)
    w.add_context_length(context_length)
    w.add_embedding_length(16)
    w.add_feed_forward_length(32)
    w.add_head_count(4)
    w.add_head_count_kv(2)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    if vocab == "gpt2":
        tokens = GPT2_TOKENS
        types = [3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, 1, 1]
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre("default")
        w.add_token_merges(["Ġ h", "e l"])
        w.add_bos_token_id(0)
        w.add_eos_token_id(0)
    else:
        tokens = SPM_TOKENS
        types = [2, 3, 3, 6, 6, 1, 1, 1, 1, 4, 5]
        w.add_tokenizer_model("llama")
        w.add_token_scores([0.0] * len(tokens))
        w.add_bos_token_id(1)
        w.add_eos_token_id(2)
        w.add_unk_token_id(0)
    w.add_token_list(tokens)
    w.add_token_types(types)
    if chat_template:
        w.add_chat_template("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    w.add_tensor("token_embd.weight", np.zeros((len(tokens), 16), dtype=np.float32))
    w.add_tensor("output_norm.weight", np.ones(16, dtype=np.float32))
    n_pad = max(1, pad_bytes // 4)
    w.add_tensor("blk.0.pad.weight", np.arange(n_pad, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path
