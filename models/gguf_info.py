"""What a GGUF file says about itself, read from its header with the ``gguf`` package (weights never loaded).

``read_gguf_info(path)`` gives the architecture, parameter count (the sum of the tensors'
element counts), quantization, context length, chat template, the layer and head counts a
memory estimate needs, and the tokenizer hash the memory decoder's checkpoint records.

The tokenizer hash is ``models.llm.vocab_hash`` of the loaded model: sha256 over the vocabulary
size and each token's ``detokenize([id], special=True)`` bytes. ``tokenizer_hash_from_tokens``
computes the same bytes from ``tokenizer.ggml.tokens``/``token_type`` the way llama.cpp's
``token_to_piece`` does (BPE: GPT-2 byte decoding; SentencePiece/WordPiece/Unigram: "▁" is a
space, ``<0xXX>`` a byte; control, unknown and user-defined tokens as written; unused and
undefined ones empty; llama-cpp-python's 32-byte piece buffer gives an empty piece for longer
tokens). Vocabularies of another kind (RWKV, PLaMo-2) are hashed by loading the vocabulary only
through llama.cpp (``tokenizer_hash_by_loading``). tests/models/test_gguf_info.py checks both
against the loaded embedded model.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from models.errors import ModelFileError
from models.gguf_check import check_gguf

PIECE_BUFFER = 32        # llama-cpp-python's detokenize buffer: longer pieces come back empty
KV_BYTES = 2             # llama.cpp's default KV cache type is f16
# llama.cpp's context, compute and output buffers, llama-cpp-python's own: a fixed part and a share of weights + KV.
# SmolLM2-135M Q4_1 at n_ctx 4096 (weights 92 MiB, KV 90 MiB) measured 220 MiB of RSS after a 300-token
# prompt; this estimate says 264 MiB.
RUNTIME_OVERHEAD = 64 * 2**20
OVERHEAD_FRACTION = 0.10

# llama.cpp's token attributes for tokenizer.ggml.token_type values
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
_HASHABLE_VOCABS = {"gpt2": "bpe", "llama": "spm", "bert": "wpm", "t5": "ugm"}


@dataclass
class GGUFInfo:
    """The facts of one GGUF file (what ``mnemo models info`` and the Models pane show)."""

    path: str
    file_size: int
    name: str
    architecture: str
    parameters: int
    quantization: str
    context_length: int
    chat_template: bool
    n_layers: int
    n_embd: int
    n_head: int
    n_head_kv: int
    head_dim_k: int
    head_dim_v: int
    n_vocab: int
    tokenizer_model: str
    weights_bytes: int
    tokenizer_hash: str | None
    kv_per_token_bytes: int = 0
    tensor_types: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GGUFInfo:
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def parameters_label(self) -> str:
        """135M, 7.2B."""
        n = self.parameters
        for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
            if n >= scale:
                value = n / scale
                return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
        return str(n)


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes the model needs loaded with ``n_ctx`` tokens of context."""

    weights: int
    kv_cache: int
    overhead: int
    n_ctx: int

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.overhead


def read_gguf_info(path: Path | str, tokenizer_hash: bool = True) -> GGUFInfo:
    """Read ``path``'s header; ``ModelFileError`` for a file that is not a readable GGUF."""
    path = Path(path)
    check_gguf(path)
    from gguf import GGUFReader

    try:
        reader = GGUFReader(str(path), "r")
    except Exception as exc:  # gguf raises ValueError/struct errors/IndexError on a damaged header
        raise ModelFileError(f"The GGUF header of {path} cannot be read ({exc}). The file may be truncated or damaged: "
                             "download it again.") from exc
    fields = reader.fields

    def scalar(key: str, default: Any = None) -> Any:
        f = fields.get(key)
        if f is None or not f.data:
            return default
        value = f.contents()
        return default if value is None else value

    arch = str(scalar("general.architecture", "unknown"))
    tokens = fields.get("tokenizer.ggml.tokens")
    n_vocab = len(tokens.data) if tokens is not None else int(scalar(f"{arch}.vocab_size", 0) or 0)
    n_layers = int(scalar(f"{arch}.block_count", 0) or 0)
    n_embd = int(scalar(f"{arch}.embedding_length", 0) or 0)
    n_head = _per_layer_max(scalar(f"{arch}.attention.head_count", 0))
    n_head_kv_raw = scalar(f"{arch}.attention.head_count_kv", None)
    n_head_kv = _per_layer_max(n_head_kv_raw) if n_head_kv_raw is not None else n_head
    head_k = int(scalar(f"{arch}.attention.key_length", 0) or 0) or (n_embd // n_head if n_head else 0)
    head_v = int(scalar(f"{arch}.attention.value_length", 0) or 0) or (n_embd // n_head if n_head else 0)
    kv_heads = _per_layer_list(n_head_kv_raw if n_head_kv_raw is not None else n_head, n_layers)
    kv_per_token = sum(h * (head_k + head_v) for h in kv_heads) * KV_BYTES

    by_type: Counter[str] = Counter()
    parameters = weights = 0
    for t in reader.tensors:
        n = int(t.n_elements)
        parameters += n
        weights += int(t.n_bytes)
        by_type[t.tensor_type.name] += n
    info = GGUFInfo(
        path=str(path), file_size=path.stat().st_size, name=str(scalar("general.name", path.stem)),
        architecture=arch, parameters=parameters, quantization=_quantization(scalar("general.file_type"), by_type),
        context_length=int(scalar(f"{arch}.context_length", 0) or 0),
        chat_template="tokenizer.chat_template" in fields, n_layers=n_layers, n_embd=n_embd, n_head=n_head,
        n_head_kv=n_head_kv, head_dim_k=head_k, head_dim_v=head_v, n_vocab=n_vocab,
        tokenizer_model=str(scalar("tokenizer.ggml.model", "")), weights_bytes=weights, tokenizer_hash=None,
        kv_per_token_bytes=kv_per_token, tensor_types=dict(by_type))
    if tokenizer_hash:
        info.tokenizer_hash = _hash_from_reader(reader) or tokenizer_hash_by_loading(path)
    return info


def estimate_memory(info: GGUFInfo, n_ctx: int) -> MemoryEstimate:
    """Weights + an f16 KV cache of ``n_ctx`` tokens + buffers (a rough, slightly high figure)."""
    kv = info.kv_per_token_bytes * n_ctx
    overhead = RUNTIME_OVERHEAD + int((info.weights_bytes + kv) * OVERHEAD_FRACTION)
    return MemoryEstimate(weights=info.weights_bytes, kv_cache=kv, overhead=overhead, n_ctx=n_ctx)


# ---- the tokenizer hash -----------------------------------------------------------------------------
def tokenizer_hash_from_tokens(tokens: Sequence[bytes], token_types: Sequence[int] | None, vocab_model: str,
                               bos_id: int | None = None) -> str | None:
    """``vocab_hash`` of the model these tokens belong to, or None for a vocabulary kind not reproduced here."""
    kind = _HASHABLE_VOCABS.get(vocab_model)
    if kind is None:
        return None
    h = hashlib.sha256()
    h.update(str(len(tokens)).encode())
    for i, text in enumerate(tokens):
        ttype = int(token_types[i]) if token_types is not None and i < len(token_types) else NORMAL
        piece = _piece(text, ttype, kind)
        if len(piece) > PIECE_BUFFER:
            piece = b""
        if i == bos_id and piece[:1] == b" ":
            piece = piece[1:]
        h.update(piece)
        h.update(b"\x00")
    return h.hexdigest()[:16]


def tokenizer_hash_by_loading(path: Path | str) -> str:
    """``vocab_hash`` of the model at ``path``, its vocabulary loaded by llama.cpp (``vocab_only``: no weights)."""
    import llama_cpp

    from models.llm import vocab_hash

    try:
        llm = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
    except Exception as exc:
        raise ModelFileError(f"llama.cpp could not read the vocabulary of {path} ({exc}). The file may be damaged or "
                             "for an architecture this llama.cpp does not know.") from exc
    try:
        return vocab_hash(llm)
    finally:
        llm.close()


def _hash_from_reader(reader: Any) -> str | None:
    fields = reader.fields
    tokens_field = fields.get("tokenizer.ggml.tokens")
    if tokens_field is None:
        return None
    model_field = fields.get("tokenizer.ggml.model")
    vocab_model = str(model_field.contents()) if model_field is not None else "llama"
    tokens = [bytes(tokens_field.parts[i]) for i in tokens_field.data]
    types_field = fields.get("tokenizer.ggml.token_type")
    types = [int(types_field.parts[i][0]) for i in types_field.data] if types_field is not None else None
    bos_field = fields.get("tokenizer.ggml.bos_token_id")
    bos = int(bos_field.contents()) if bos_field is not None else None
    return tokenizer_hash_from_tokens(tokens, types, vocab_model, bos)


def _piece(text: bytes, ttype: int, kind: str) -> bytes:
    """llama.cpp's ``token_to_piece(special=True)`` of one token."""
    if ttype in (UNKNOWN, CONTROL, USER_DEFINED):
        return text
    if kind == "bpe":
        return _gpt2_decode(text) if ttype == NORMAL else b""
    if ttype == NORMAL:
        return text.replace("\u2581".encode(), b" ")
    if ttype == BYTE:
        try:
            return bytes([int(text[3:5], 16)])
        except ValueError:
            return b"\x00"
    return b""


def _gpt2_decode(text: bytes) -> bytes:
    """GPT-2's byte-level BPE text back to bytes (llama.cpp's ``llama_decode_text``)."""
    table = _gpt2_byte_of()
    out = bytearray()
    for ch in text.decode("utf-8", errors="replace"):
        b = table.get(ch)
        if b is not None:
            out.append(b)
        else:
            out += b"[UNK_BYTE_0x" + ch.encode().hex().encode() + text + b"]"
    return bytes(out)


@lru_cache(maxsize=1)
def _gpt2_byte_of() -> dict[str, int]:
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = list(printable)
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(printable, chars)}


# ---- helpers ----------------------------------------------------------------------------------------
def _per_layer_max(value: Any) -> int:
    if isinstance(value, (list, tuple)):
        return max((int(v) for v in value), default=0)
    return int(value or 0)


def _per_layer_list(value: Any, n_layers: int) -> list[int]:
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    return [int(value or 0)] * n_layers


def _quantization(file_type: Any, by_type: Counter[str]) -> str:
    """general.file_type's name (Q4_K_M), else the tensor type holding most parameters."""
    if file_type is not None:
        from gguf import LlamaFileType

        try:
            name = LlamaFileType(int(file_type)).name
            return name.removeprefix("MOSTLY_").removeprefix("ALL_")
        except ValueError:
            pass
    quantized = {k: v for k, v in by_type.items() if k not in ("F32",)} or dict(by_type)
    return max(quantized, key=lambda k: quantized[k]) if quantized else "unknown"
