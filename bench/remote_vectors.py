"""Vector search on a Chroma server against the embedded Chroma: p95 latency ratio at 100k chunk vectors.

Both indexes hold the same 100k random unit vectors (dim 384, the embedded embedder's width;
random vectors time the index as well as real ones would, and embedding 100k real chunks takes
hours on a 2-core CPU). The server is a real ``chroma run`` started here on 127.0.0.1 (its own
process: the HTTP round trips and the JSON are what the server costs). Queries go through
``VectorIndex.query`` (what passage search calls), n = 40 (search asks for max(2k, 40)),
interleaved one embedded, one server, in one process, in alternating order, so machine load
hits both alike; distinct random queries, after a warm-up. Goal: server p95 / embedded p95 <= 1.5.
Each index's recall@n against an exact search says both HNSW indexes find alike (two HNSW graphs
built apart do not return the very same approximate lists on random high-dimensional vectors).

    .venv/bin/python bench/remote_vectors.py [--vectors 100000] [--dim 384] [--queries 400] [--n 40] [--keep DIR]

``--keep DIR`` keeps both indexes in DIR: a second run with the same figures skips the writing
(about 12 minutes per index at 100k on a loaded 2-core machine) and only times the queries.

The machine may be shared with other work: the ratio, measured in one process, is what to read.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from core.store.vector_backend import SERVER, VectorLocation  # noqa: E402
from core.store.vectors import VectorIndex  # noqa: E402

COLLECTION = "chunks"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(folder: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1, trust_env=False).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("chroma run did not start")


def unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def fill(index: VectorIndex, vecs: np.ndarray, step: int = 4000) -> float:
    t0 = time.perf_counter()
    for start in range(0, len(vecs), step):
        part = vecs[start:start + step]
        ids = list(range(start + 1, start + 1 + len(part)))
        index.upsert(COLLECTION, ids, part, [{"document_id": i // 10} for i in ids])
    return time.perf_counter() - t0


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vectors", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--keep", type=Path, help="keep the indexes in this folder (reused by the next run)")
    args = ap.parse_args()
    rng = np.random.default_rng(20)
    vecs = unit(rng, args.vectors, args.dim)
    with tempfile.TemporaryDirectory(prefix="mnemo-bench-remote-") as scratch:
        tmp = args.keep or Path(scratch)
        tmp.mkdir(parents=True, exist_ok=True)
        proc, port = start_server(Path(tmp) / "server")
        try:
            embedded = VectorIndex(Path(tmp) / "vectors")
            server = VectorIndex(location=VectorLocation(SERVER, host="127.0.0.1", port=port, folder="0" * 32))
            for name, index in (("embedded", embedded), ("server", server)):
                if index.count(COLLECTION) != args.vectors:
                    index.drop(COLLECTION)
                    took = fill(index, vecs)
                    print(f"{args.vectors:,} vectors (dim {args.dim}, random unit vectors) written to {name} "
                          f"in {took:.1f} s", flush=True)
            assert embedded.count(COLLECTION) == server.count(COLLECTION) == args.vectors
            queries = unit(rng, args.queries + 20, args.dim)
            for q in queries[:20]:  # warm-up: both indexes loaded, connections open
                embedded.query(COLLECTION, q, args.n)
                server.query(COLLECTION, q, args.n)
            times: dict[str, list[float]] = {"embedded": [], "server": []}
            recall: dict[str, list[float]] = {"embedded": [], "server": []}
            for i, q in enumerate(queries[20:]):
                order = (("embedded", embedded), ("server", server))
                got = {}
                for name, index in (order if i % 2 == 0 else order[::-1]):
                    t0 = time.perf_counter()
                    got[name] = [h.id for h in index.query(COLLECTION, q, args.n)]
                    times[name].append((time.perf_counter() - t0) * 1000)
                exact = {str(j + 1) for j in np.argpartition(-(vecs @ q), args.n)[:args.n]}
                for name in got:
                    recall[name].append(len(exact & set(got[name])) / args.n)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    for name, xs in times.items():
        print(f"  {name:<9} p50 {statistics.median(xs):6.2f} ms   p95 {pct(xs, 95):6.2f} ms   "
              f"recall@{args.n} vs exact {statistics.mean(recall[name]):.3f}   ({len(xs)} queries)")
    ratio = pct(times["server"], 95) / pct(times["embedded"], 95)
    print(f"server p95 / embedded p95 = {ratio:.2f}x (goal <= 1.5x)")


if __name__ == "__main__":
    main()
