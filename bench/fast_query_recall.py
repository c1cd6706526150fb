"""Does the ONNX query embedder retrieve what the torch one retrieves? Dense turn recall on LoCoMo, both ways.

Every turn of the conversations is embedded once with the torch embedder (as an import
does); each question is embedded with torch and with the ONNX graph (as a search now does),
and the top 10 / 20 turns by cosine are compared: the share of questions whose top 10 is the
same set, and evidence recall@10/@20 of each. Categories 1-4, as ``mnemo eval locomo``.

    .venv/bin/python bench/fast_query_recall.py [../shared/eval/locomo-dev.json] [--cache DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from core.evals.locomo_data import load_locomo  # noqa: E402
from models.embedded import default_embedder  # noqa: E402
from models.embedder import Embedder  # noqa: E402
from models.onnx_embedder import OnnxEmbedder, onnx_cache_path  # noqa: E402


def recall(order: np.ndarray, ids: list[str], evidence: set[str], k: int) -> float:
    top = {ids[i] for i in order[:k]}
    return len(top & evidence) / len(evidence)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=REPO.parent / "shared" / "eval" / "locomo-dev.json")
    ap.add_argument("--cache", type=Path, help="folder with (or for) the ONNX graph")
    args = ap.parse_args()
    model_dir = default_embedder()
    assert model_dir is not None, "the embedded embedder is not installed"
    cache = args.cache or Path(tempfile.mkdtemp(prefix="mnemo-onnx-"))
    graph = onnx_cache_path(model_dir, cache)
    if not graph.exists():
        from models.onnx_export import export_onnx

        export_onnx(model_dir, graph)
    torch_emb, onnx_emb = Embedder(), OnnxEmbedder(graph, model_dir)
    same10 = n = 0
    sums = {("torch", 10): 0.0, ("torch", 20): 0.0, ("onnx", 10): 0.0, ("onnx", 20): 0.0}
    for conv in load_locomo(args.data):
        turns = [t for s in conv.sessions for t in s.turns]
        ids = [t.dia_id for t in turns]
        T = torch_emb.embed([f"{t.speaker}: {t.text}" for t in turns])
        qs = [q for q in conv.questions if q.category in (1, 2, 3, 4) and q.evidence & set(ids)]
        Qt = torch_emb.embed([q.question for q in qs])
        Qo = np.stack([onnx_emb.embed([q.question])[0] for q in qs])  # one at a time, as a search does
        for q, vt, vo in zip(qs, Qt, Qo):
            ot, oo = np.argsort(-(T @ vt), kind="stable"), np.argsort(-(T @ vo), kind="stable")
            ev = q.evidence & set(ids)
            same10 += set(ot[:10]) == set(oo[:10])
            for k in (10, 20):
                sums[("torch", k)] += recall(ot, ids, ev, k)
                sums[("onnx", k)] += recall(oo, ids, ev, k)
            n += 1
    print(f"{n} questions of {args.data.name}: same top-10 turns for {same10 / n:.1%}")
    for k in (10, 20):
        t, o = sums[("torch", k)] / n, sums[("onnx", k)] / n
        print(f"  dense turn R@{k}: torch {t:.4f}  onnx {o:.4f}  difference {100 * (o - t):+.2f} points")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
