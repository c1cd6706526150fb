"""A decoder checkpoint: ``decoder.safetensors`` (weights + the compact vocabulary) and
``decoder.json`` (the tokenizer hash it belongs to, config, corpus, settings, held-out figures).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.decoder.config import DecoderConfig
from models.decoder.vocab import CompactVocab

FORMAT = "mnemo-memory-decoder/1"


class TokenizerMismatch(ValueError):
    """The checkpoint was trained for another tokenizer than the loaded model's."""


@dataclass
class Checkpoint:
    config: DecoderConfig
    state: dict[str, Any]           # torch tensors
    vocab: CompactVocab
    tokenizer_hash: str
    record: dict[str, Any] = field(default_factory=dict)

    def model(self, device: str = "cpu") -> Any:
        from models.decoder.model import build_model

        m = build_model(self.config, state=self.state)
        return m.to(device).eval()

    def check_tokenizer(self, tokenizer_hash: str, model_name: str = "the loaded model") -> None:
        if tokenizer_hash != self.tokenizer_hash:
            raise TokenizerMismatch(
                f"This memory decoder was trained for a tokenizer with hash {self.tokenizer_hash} "
                f"({self.record.get('model_name', 'another model')}), but {model_name} has tokenizer {tokenizer_hash}.")


def save_checkpoint(folder: Path, model: Any, vocab: CompactVocab, tokenizer_hash: str, record: dict[str, Any]) -> Path:
    """Write weights and record atomically (temporary files, then rename)."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    tensors["__vocab_ids__"] = torch.as_tensor(vocab.ids, dtype=torch.int64)
    full = {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "tokenizer_hash": tokenizer_hash,
            "n_vocab": vocab.n_vocab, "config": model.cfg.to_json(), **record}
    text = json.dumps(full, indent=2, default=_jsonable)
    # The record travels inside the weights file too, so the one rename that matters (the
    # weights) always swaps weights and record together; decoder.json is a readable copy.
    wtmp, jtmp = folder / "decoder.safetensors.tmp", folder / "decoder.json.tmp"
    save_file(tensors, str(wtmp), metadata={"format": FORMAT, "tokenizer_hash": tokenizer_hash, "record": text})
    _fsync(wtmp)
    jtmp.write_text(text, encoding="utf-8")
    _fsync(jtmp)
    wtmp.replace(folder / "decoder.safetensors")
    jtmp.replace(folder / "decoder.json")
    return folder / "decoder.safetensors"


def _fsync(path: Path) -> None:
    import os

    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_record(folder: Path) -> dict[str, Any] | None:
    """The checkpoint's record: the copy inside the weights when there is one, else decoder.json."""
    w = folder / "decoder.safetensors"
    if w.exists():
        try:
            from safetensors import safe_open

            with safe_open(str(w), framework="numpy") as f:
                meta = f.metadata() or {}
            if "record" in meta:
                return json.loads(meta["record"])
        except Exception:  # an unreadable weights file is reported by load_checkpoint
            pass
    p = folder / "decoder.json"
    if not p.exists():
        return None
    return json.loads(p.read_text(encoding="utf-8"))


def load_checkpoint(folder: Path) -> Checkpoint:
    from safetensors.torch import load_file

    record = read_record(folder)
    if record is None or not (folder / "decoder.safetensors").exists():
        raise FileNotFoundError(f"no decoder checkpoint in {folder}")
    if record.get("format") != FORMAT:
        raise ValueError(f"unknown decoder checkpoint format {record.get('format')!r}")
    tensors = load_file(str(folder / "decoder.safetensors"))
    ids = tensors.pop("__vocab_ids__").numpy()
    vocab = CompactVocab(ids, int(record["n_vocab"]))
    return Checkpoint(DecoderConfig.from_json(record["config"]), tensors, vocab, record["tokenizer_hash"], record)


def _jsonable(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
