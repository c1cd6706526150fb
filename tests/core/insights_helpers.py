"""A real, tiny memory decoder trained the way ``mnemo decoder train`` trains one (``core.decoder.pipeline.train``),
on a toy datastore, so the pictures read a genuine checkpoint record (history, held-out figures)."""
from __future__ import annotations

from pathlib import Path
from typing import Any


def train_tiny_decoder(checkpoint_dir: Path, epochs: int = 6) -> dict[str, Any]:
    """Train on the toy datastore of ``tests/models/test_decoder_train``; return the checkpoint's record."""
    from core.decoder.pipeline import train
    from models.decoder.checkpoint import read_record
    from models.decoder.config import DecoderConfig, TrainConfig
    from tests.models.test_decoder_train import E, targets_for, toy_store

    ds = toy_store(n_windows=12)
    folder = checkpoint_dir.parent / "toy-datastore"
    folder.mkdir(parents=True, exist_ok=True)
    ds.save(folder)
    targets_for(ds).save(folder / "targets.npz")
    v = ds.vocab()
    cfg = DecoderConfig(n_in=v.n_out + 1, n_out=v.n_out, n_embd_base=E, d_model=32, n_layer=2, n_head=2,
                        block_size=32, dropout=0.0)
    train(folder, checkpoint_dir, TrainConfig(epochs=epochs, batch_windows=4, min_steps=0, learning_rate=3e-3,
                                              warmup_steps=2, patience=0, device="cpu"),
          record={"model_name": "toy.gguf"}, decoder_cfg=cfg)
    record = read_record(checkpoint_dir)
    assert record is not None
    return record
