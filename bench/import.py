"""Document import and search speed.

1. Import throughput: chunks/s of a full ``mnemo import`` (scan, read, hash, parse, chunk,
   SQLite, FTS5, embed, Chroma) against the embedder's own chunks/s on exactly the same chunk
   texts, in the same process, alternating in rounds (embed round r, import round r) so machine
   load hits both alike; reported in wall-clock and in process CPU time (the fairer one on a
   shared machine). Target ratio >= 0.8.
2. Search latency p50/p95 of ``DocumentService.search`` (query embedding + Chroma + FTS5 +
   fusion + fetching rows) at 10k and 100k chunks. Those chunks are synthesised directly into
   SQLite and Chroma (Zipf-distributed words, random unit vectors) because embedding 100k real
   chunks would take hours on a 2-core CPU; queries are distinct (no cache hits). Target p95 <= 50 ms.

    .venv/bin/python bench/import.py [--chunks 400] [--rounds 4] [--sizes 10000,100000] [--queries 200]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np  # noqa: E402

from core.documents import DocumentService  # noqa: E402
from core.documents import importers  # noqa: E402
from core.documents.chunker import chunk_sections  # noqa: E402
from core.documents.model import ChunkDraft  # noqa: E402
from core.settings import SettingsStore  # noqa: E402
from core.store.db import Database  # noqa: E402
from core.store.vectors import VectorIndex  # noqa: E402

COMMON = ("time year people way day man thing woman life child world school state family student group country "
          "problem hand part place case week company system program question work government number night point "
          "home water room mother area money story fact month lot right study book eye job word business issue "
          "side kind head house service friend father power hour game line end member law car city community name "
          "president team minute idea kid body information back parent face others level office door health person "
          "art war history party result change morning reason research girl guy moment air teacher force education "
          "garden dentist invoice holiday project report music travel budget meeting recipe boat letter doctor").split()


def vocabulary(n: int = 20000) -> list[str]:
    rng = random.Random(1)
    words = list(COMMON)
    while len(words) < n:
        words.append("".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(2, 4))))
    return words


class ZipfText:
    def __init__(self, seed: int = 0) -> None:
        self.words = vocabulary()
        ranks = np.arange(1, len(self.words) + 1)
        p = 1.0 / ranks
        self.p = p / p.sum()
        self.rng = np.random.default_rng(seed)
        self._buf: list[int] = []

    def sentence_words(self, n: int) -> list[str]:
        if len(self._buf) < n:  # sampling in bulk: one cumulative sum for a million words
            self._buf = self.rng.choice(len(self.words), size=1_000_000, p=self.p).tolist()
        out, self._buf = self._buf[-n:], self._buf[:-n]
        return [self.words[i] for i in out]

    def paragraph(self, n_words: int) -> str:
        out = []
        while n_words > 0:
            k = min(n_words, int(self.rng.integers(8, 20)))
            ws = self.sentence_words(k)
            out.append(" ".join(ws).capitalize() + ".")
            n_words -= k
        return " ".join(out)


def make_corpus(folder: Path, target_chunks: int, gen: ZipfText) -> None:
    folder.mkdir(parents=True)
    for i in range(max(1, target_chunks // 5)):  # 10 paragraphs of ~60 words: about 5 chunks a file
        paras = [gen.paragraph(60) for _ in range(10)]
        (folder / f"note{i:05d}.md").write_text(f"# Note {i}\n\n" + "\n\n".join(paras), encoding="utf-8")


def build_service(home: Path, embedder) -> DocumentService:
    home.mkdir(parents=True, exist_ok=True)
    return DocumentService(Database(home / "mnemo.sqlite3"), VectorIndex(home / "vectors"), lambda: embedder,
                           SettingsStore(home / "settings.json"))


def corpus_texts(corpus: Path) -> list[str]:
    texts: list[str] = []
    for p in sorted(corpus.iterdir()):
        _, parsed = importers.parse_bytes(p.read_bytes(), p.name)
        texts += [c.text for c in chunk_sections(parsed.sections, 1200, 150)]
    return texts


def bench_import(work: Path, embedder, n_chunks: int, rounds: int) -> dict:
    """Alternate (embedder alone on round r's chunks, full import of round r's files) ``rounds`` times."""
    gen = ZipfText(1)
    corpora = []
    for r in range(rounds):
        make_corpus(work / f"corpus{r}", n_chunks // rounds, gen)
        corpora.append((work / f"corpus{r}", corpus_texts(work / f"corpus{r}")))
    embedder.embed(corpora[0][1][:32])  # load and warm up
    svc = build_service(work / "home", embedder)
    wall = {"embed": 0.0, "import": 0.0}
    cpu = {"embed": 0.0, "import": 0.0}
    n = 0
    for folder, texts in corpora:
        w, c = time.perf_counter(), time.process_time()
        embedder.embed(texts)
        wall["embed"] += time.perf_counter() - w
        cpu["embed"] += time.process_time() - c
        w, c = time.perf_counter(), time.process_time()
        report = svc.import_paths([folder])
        wall["import"] += time.perf_counter() - w
        cpu["import"] += time.process_time() - c
        assert report.chunks == len(texts) == report.embedded, report.summary()
        n += len(texts)
    svc.store.db.close()
    return {"chunks": n, "rounds": rounds, "import_cps": n / wall["import"], "embed_cps": n / wall["embed"],
            "ratio": wall["embed"] / wall["import"], "cpu_ratio": cpu["embed"] / cpu["import"]}


def synthesise(svc: DocumentService, n: int, dim: int, gen: ZipfText) -> None:
    """Put ``n`` chunks (text + random unit vectors) straight into SQLite/FTS5 and Chroma."""
    rng = np.random.default_rng(2)
    per_doc = 100
    base = len(svc.store.list())
    ids: list[int] = []
    docs: list[int] = []
    for d in range(0, n, per_doc):
        name = f"synthetic{base + d // per_doc}.txt"
        drafts = [ChunkDraft(gen.paragraph(int(rng.integers(120, 200))), f"{name} line {i}", {"line": i})
                  for i in range(min(per_doc, n - d))]
        doc_id, new, _, _ = svc.store.save(path=f"/synthetic/{name}", name=name, fmt="text",
                                           content_hash=f"synthetic-{name}", size=0, mtime=0.0, meta={}, chunks=drafts)
        ids += [r[0] for r in new]
        docs += [doc_id] * len(new)
        if len(ids) >= 4000 or d + per_doc >= n:
            vecs = rng.standard_normal((len(ids), dim)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            svc.vectors.upsert("chunks", ids, vecs, [{"document_id": x} for x in docs])
            svc.store.mark_embedded(ids, vecs)
            ids, docs = [], []


def bench_search(work: Path, embedder, sizes: list[int], n_queries: int) -> list[dict]:
    gen = ZipfText(3)
    svc = build_service(work / "search-home", embedder)
    qgen = random.Random(5)
    results = []
    have = 0
    for size in sizes:
        t0 = time.perf_counter()
        synthesise(svc, size - have, embedder.dim, gen)
        have = size
        build_s = time.perf_counter() - t0
        queries = set()
        while len(queries) < n_queries:
            queries.add(" ".join(gen.sentence_words(qgen.randint(2, 6))) + f" {qgen.choice(COMMON)}")
        for q in list(queries)[:10]:
            svc.search(q + " warmup", 20)
        times = []
        for q in queries:
            t = time.perf_counter()
            hits = svc.search(q, 20)
            times.append((time.perf_counter() - t) * 1000)
            assert hits, q
        times.sort()
        results.append({"chunks": size, "p50_ms": statistics.median(times), "p95_ms": times[int(0.95 * len(times)) - 1],
                        "max_ms": times[-1], "build_s": build_s})
    svc.store.db.close()
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=400, help="chunks in the import benchmark")
    ap.add_argument("--sizes", default="10000,100000", help="corpus sizes for search latency")
    ap.add_argument("--rounds", type=int, default=4, help="alternating embed/import rounds (load drifts hit both)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--skip-search", action="store_true")
    args = ap.parse_args()
    from models.embedder import Embedder

    embedder = Embedder()
    with tempfile.TemporaryDirectory(prefix="mnemo-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_import:
            r = bench_import(work, embedder, args.chunks, args.rounds)
            print(f"import: {r['chunks']} chunks in {r['rounds']} alternating rounds: pipeline {r['import_cps']:.2f} "
                  f"chunks/s, embedder alone {r['embed_cps']:.2f} chunks/s; ratio {r['ratio']:.2f} wall-clock, "
                  f"{r['cpu_ratio']:.2f} in process CPU time (target >= 0.8)")
        sizes = [] if args.skip_search else [int(s) for s in args.sizes.split(",")]
        for r in bench_search(work, embedder, sizes, args.queries):
            print(f"search at {r['chunks']} chunks: p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms, "
                  f"max {r['max_ms']:.1f} ms (target p95 <= 50 ms; synthesised in {r['build_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
