"""The memory decoder's training curve, read from its checkpoint record.

``models.decoder.train`` appends each epoch's mean loss, KL and CE to the record's ``history``
and, with a held-out slice, that epoch's held-out perplexity of the mixture at
``train.select_alpha``; ``heldout`` holds the model alone (``base_ppl``) and the trained
decoder mixed in at several α (``mixed_ppl``). The curve puts them side by side with the α now set.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TrainingCurve:
    epochs: list[int]
    heldout_ppl: list[float]        # per epoch, NaN where none was measured
    loss: list[float]
    base_ppl: float | None          # the model alone on the same held-out positions
    select_alpha: float             # the α the per-epoch perplexity mixes at
    alpha: float                    # the α answers use now (decoder.alpha)
    mixed: list[tuple[float, float]] = field(default_factory=list)   # (α, held-out perplexity) after training
    positions: int = 0
    trained: str = ""               # when, ISO
    model_name: str = ""

    @property
    def best_epoch(self) -> int | None:
        finite = [(p, e) for e, p in zip(self.epochs, self.heldout_ppl) if math.isfinite(p)]
        return min(finite)[1] if finite else None


def _num(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def training_curve(record: dict[str, Any] | None, alpha: float) -> TrainingCurve | None:
    """The curve of a checkpoint ``record`` (``models.decoder.checkpoint.read_record``); None without one."""
    if not record or not record.get("history"):
        return None
    hist = [h for h in record["history"] if isinstance(h, dict)]
    held = record.get("heldout") or {}
    base = _num(held.get("base_ppl"))
    mixed = sorted((_num(a), _num(p)) for a, p in (held.get("mixed_ppl") or {}).items())
    return TrainingCurve(
        epochs=list(range(1, len(hist) + 1)),
        heldout_ppl=[_num(h.get("heldout_ppl")) for h in hist],
        loss=[_num(h.get("loss")) for h in hist],
        base_ppl=base if math.isfinite(base) else None,
        select_alpha=_num((record.get("train") or {}).get("select_alpha", 0.2)),
        alpha=float(alpha),
        mixed=[(a, p) for a, p in mixed if math.isfinite(a) and math.isfinite(p)],
        positions=int(held.get("positions") or 0),
        trained=str(record.get("created", "")),
        model_name=str(record.get("model_name", "")))
