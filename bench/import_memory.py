"""Peak memory of importing big and nasty files, each in a fresh process (peak RSS, ru_maxrss).

Cases: a generated mbox of ``--mbox-mb`` MB (several sizes give the scaling: the import streams a
mailbox, so its peak should not grow with the size; each line says how many MB of peak RSS above
the start it costs per MB of input), a 1 MB .docx zip bomb,
the same bomb attached to a mail, a 4.5 MB deeply nested HTML page, a CSV with one 10 MB cell, a
file name that is not UTF-8, a 3 MB folded vCard and a quoted-printable one. Each case imports its
file(s) through ``DocumentService.import_paths`` into a fresh data folder and prints its peak RSS,
seconds and what the import said. Target: every peak under 1.5 GB.

The memory cases use a hashing stand-in embedder (the model's memory and speed are not what is
measured there, and embedding 200k chunks on a 2-core CPU takes hours). The throughput case runs
the real embedder: a small mbox imported end to end against the embedder alone on the same chunk
texts (chunks/s both ways, and the embedder in the import's own batches; target >= 0.8x). One run,
not alternating rounds as bench/import.py does: on a shared machine the ratio moves with the load.

    .venv/bin/python bench/import_memory.py [--mbox-mb 50,200] [--novec-mb 200] [--ratio-mb 1] [--skip-nasty]
                                            [--skip-ratio] [--topics 20000,200000]

``--topics N,...``: peak RSS of ``TopicStore.update`` placing N generated unplaced items (clustering a sample,
the rest joining by centroid, naming the topics by keywords), each N in a fresh process. The items' rows are
written straight into SQLite and their vectors are made from the ref when read (nothing is stored), so the
figure is the update's own memory; each line gives its growth above the start and the ratio to the smallest N's
(a bounded update stays near 1x however many items).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

WORDS = ("time year people way day thing life child world school family group country problem hand part place "
         "week company system program question work number night point home water room mother area money story "
         "month right study book job word business issue side kind house service friend father hour game line "
         "member city community name team minute idea body office door health person history party result change "
         "garden dentist invoice holiday project report music travel budget meeting recipe boat letter doctor").split()


class HashEmbedder:
    """Deterministic bag-of-words vectors: cheap, so the pipeline's own memory and speed show."""

    name, dim, device = "bench-hash", 384, "cpu"

    def embed(self, texts):
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.split()[:200]:
                out[i, int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little") % self.dim] += 1
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)
        return out


class NoVectors:
    """A vector store that keeps nothing: the ``mbox-novec-*`` cases measure the import pipeline alone,
    without Chroma's in-memory index (2-3 kB per chunk, up to one shard of ``SHARD_MAX`` chunks: see
    ``core.store.vector_shards``)."""

    def upsert(self, name, ids, embeddings, metas=None) -> None:
        pass

    def delete(self, name, ids) -> None:
        pass


# ---- generated inputs --------------------------------------------------------------------------
def _paragraphs(n: int = 400, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 160))).capitalize() + "." for _ in range(n)]


def make_mbox(path: Path, mb: float) -> int:
    """An mbox of about ``mb`` MB: mails of 1-6 paragraphs, a few with a small text attachment.

    A plain mail is written as ``EmailMessage`` would write it (quoted-printable text, each paragraph
    encoded once up front): building every mail with the email package made 1 GB take most of an hour."""
    from datetime import datetime, timezone
    from email import quoprimime
    from email.utils import format_datetime

    days = [format_datetime(datetime(2024, 10, d, 10, tzinfo=timezone.utc)) for d in range(1, 29)]  # as email writes them
    rng = random.Random(2)
    paras = _paragraphs()
    encoded = {p: quoprimime.body_encode(p, maxlinelen=78) for p in paras}
    target, i = int(mb * 1e6), 0
    with open(path, "wb") as f:
        while f.tell() < target:
            sender, date = f"sender{i % 97}@example.org", f"Tue, {1 + i % 28:02d} Oct 2024 10:00:00 +0000"
            subject = f"Message {i} about the {rng.choice(WORDS)}"
            body = [rng.choice(paras) for _ in range(rng.randint(1, 6))]
            if i % 50 == 0:
                m = EmailMessage()
                m["From"], m["To"], m["Subject"], m["Date"] = sender, "me@example.org", subject, date
                m["Message-ID"] = f"<m{i}@example.org>"
                m.set_content("\n\n".join(body))
                m.add_attachment(rng.choice(paras).encode(), maintype="text", subtype="plain", filename=f"note{i}.txt")
                raw = bytes(m).replace(b"\r\n", b"\n")
            else:
                raw = (f"From: {sender}\nTo: me@example.org\nSubject: {subject}\nDate: {days[i % 28]}\n"
                       f"Message-ID: <m{i}@example.org>\nContent-Type: text/plain; charset=\"utf-8\"\n"
                       f"Content-Transfer-Encoding: quoted-printable\nMIME-Version: 1.0\n\n"
                       + "\n\n".join(encoded[p] for p in body) + "\n").encode()
            f.write(b"From sender@example.org Tue Oct  1 10:00:00 2024\n" + raw + b"\n")
            i += 1
    return i


def zip_bomb(expanded_mb: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(expanded_mb):
                f.write(block)
    return buf.getvalue()


def make_case(case: str, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    if case == "zip-bomb-docx":
        p = folder / "bomb.docx"
        p.write_bytes(zip_bomb(1024))                       # ~1 MB on disk, 1 GB inflated
        return [p]
    if case == "zip-bomb-attachment":
        m = EmailMessage()
        m["From"], m["To"], m["Subject"], m["Date"] = "x@example.org", "me@example.org", "Contract", "Tue, 05 Nov 2024 09:00:00 +0000"
        m.set_content("The contract is attached.")
        m.add_attachment(zip_bomb(1024), maintype="application", subtype="octet-stream", filename="contract.docx")
        p = folder / "mail.mbox"
        p.write_bytes(b"From x@example.org Tue Nov  5 09:00:00 2024\n" + bytes(m).replace(b"\r\n", b"\n"))
        return [p]
    if case == "nested-html":
        p = folder / "deep.html"
        n = 450_000                                         # 4.5 MB of <div>s
        p.write_bytes(b"<html><body>" + b"<div>" * n + b"deep" + b"</div>" * n + b"</body></html>")
        return [p]
    if case == "csv-10mb-cell":
        p = folder / "table.csv"
        rows = "".join(f"Person {i},{20 + i % 50},City {i % 7}\n" for i in range(2000))
        p.write_text("name,age,city\n" + rows + 'Huge,99,"' + "x" * 10_000_000 + '"\n' + rows)
        return [p]
    if case == "non-utf8-name":
        raw = os.fsencode(folder) + b"/caf\xe9.txt"
        with open(raw, "wb") as f:
            f.write(b"Coffee with Marta on Friday.")
        (folder / "good.txt").write_text("The boiler was serviced in March.")
        return [folder]
    if case == "vcard-folded-3mb":
        note = "".join(f"word{i} " for i in range(400_000))
        folded = "\r\n ".join(note[i:i + 74] for i in range(0, len(note), 74))
        p = folder / "big.vcf"
        p.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big Note\r\nNOTE:" + folded + "\r\nEND:VCARD\r\n", newline="")
        return [p]
    if case == "vcard-qp-3mb":
        qp = "=\r\n".join("=C3=BC" * 12 for _ in range(40_000))
        p = folder / "qp.vcf"
        p.write_text("BEGIN:VCARD\r\nVERSION:2.1\r\nFN:QP\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:" + qp
                     + "\r\nEND:VCARD\r\n", newline="")
        return [p]
    if case.startswith("mbox-"):
        p = folder / "export.mbox"
        make_mbox(p, float(case.rsplit("-", 1)[1]))
        return [p]
    if case == "baseline":
        p = folder / "one.txt"
        p.write_text("A single small note.")
        return [p]
    raise SystemExit(f"unknown case {case}")


class MadeVectors:
    """Vectors made from the ref when read (one of 40 themes, plus noise): a topic update reads them as from a
    store without the store's memory."""

    dim = 384

    def __init__(self) -> None:
        import numpy as np

        self.bases = np.random.default_rng(7).normal(size=(40, self.dim)).astype(np.float32)

    def vectors(self, name, ids):
        import numpy as np

        out = {}
        for i in ids:
            seed = int.from_bytes(hashlib.blake2b(str(i).encode(), digest_size=4).digest(), "little")
            v = self.bases[seed % 40] + np.random.default_rng(seed).normal(0, 0.6, self.dim).astype(np.float32)
            out[str(i)] = v
        return out

    def width(self, name):
        return self.dim


def run_topics(n: int, work: Path) -> dict:
    """Peak RSS of one ``TopicStore.update`` over ``n`` unplaced items."""
    from core.persona.topics import TopicStore
    from core.store.db import Database

    db = Database(work / "mnemo.sqlite3")
    rng = random.Random(3)
    with db.write() as conn:
        for start in range(0, n, 10_000):
            conn.executemany(
                "INSERT INTO persona_topic_item (ref, topic_id, document_id, snippet, added_at) VALUES (?, NULL, 1, ?, 0)",
                [(f"chunk:{i}", " ".join(rng.choice(WORDS) for _ in range(50))) for i in range(start, min(n, start + 10_000))])
    store = TopicStore(db, MadeVectors(), lambda: HashEmbedder(), None)  # type: ignore[arg-type]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    changed = store.update()
    seconds = time.perf_counter() - t0
    with db.read() as conn:
        loose = conn.execute("SELECT COUNT(*) FROM persona_topic_item WHERE topic_id IS NULL").fetchone()[0]
    db.close()
    return {"case": f"topics-{n}", "items": n, "seconds": seconds, "topics": len(changed), "loose": loose,
            "rss_before_mb": before / 1024, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


# ---- one case, in this process -----------------------------------------------------------------
def run_case(case: str, work: Path) -> dict:
    if case.startswith("topics-"):
        return run_topics(int(case.split("-", 1)[1]), work)
    from core.documents import DocumentService
    from core.settings import SettingsStore
    from core.store.db import Database
    from core.store.vectors import VectorIndex

    paths = make_case(case, work / "in")
    size = sum(p.stat().st_size for p in (work / "in").iterdir())
    home = work / "home"
    home.mkdir()
    db = Database(home / "mnemo.sqlite3")
    vectors = NoVectors() if case.startswith("mbox-novec-") else VectorIndex(home / "vectors")
    svc = DocumentService(db, vectors, lambda: HashEmbedder(), SettingsStore(home / "settings.json"))  # type: ignore[arg-type]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    report = svc.import_paths(paths)
    seconds = time.perf_counter() - t0
    warnings = [w for d in svc.list_documents() for w in d.meta.get("warnings") or []]
    db.close()
    return {"case": case, "input_mb": size / 1e6, "seconds": seconds, "chunks": report.chunks,
            "chunks_per_s": report.chunks / max(seconds, 1e-9), "rss_before_mb": before / 1024,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "summary": report.summary(),
            "skipped": [f"{os.path.basename(p)}: {r}" for p, r in report.skipped][:3], "warnings": warnings[:3]}


def in_subprocess(case: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="mnemo-mem-") as tmp:
        out = subprocess.run([sys.executable, __file__, "--case", case, "--work", tmp], capture_output=True, text=True)
        if out.returncode:
            return {"case": case, "error": (out.stderr or out.stdout)[-800:]}
        return json.loads(out.stdout.strip().splitlines()[-1])


# ---- the real embedder's chunks/s against the mbox import's ------------------------------------
def ratio(mb: float) -> dict:
    from core.documents import DocumentService, importers
    from core.documents.chunker import chunk_sections
    from core.documents.service import EMBED_BATCH
    from core.settings import SettingsStore
    from core.store.db import Database
    from core.store.vectors import VectorIndex
    from models.embedder import Embedder

    embedder = Embedder()
    with tempfile.TemporaryDirectory(prefix="mnemo-ratio-") as tmp:
        box = Path(tmp) / "export.mbox"
        make_mbox(box, mb)
        _, parsed = importers.parse_bytes(box.read_bytes(), box.name)
        texts = [c.text for c in chunk_sections(parsed.sections, 1200, 150)]
        embedder.embed(texts[:32])
        w, c = time.perf_counter(), time.process_time()
        embedder.embed(texts)
        embed_wall, embed_cpu = time.perf_counter() - w, time.process_time() - c
        w = time.perf_counter()  # the same texts in the import's batches, in its order (less length sorting)
        for i in range(0, len(texts), EMBED_BATCH):
            embedder.embed(texts[i:i + EMBED_BATCH])
        batched_wall = time.perf_counter() - w
        home = Path(tmp) / "home"
        home.mkdir()
        db = Database(home / "mnemo.sqlite3")
        svc = DocumentService(db, VectorIndex(home / "vectors"), lambda: embedder, SettingsStore(home / "settings.json"))
        w, c = time.perf_counter(), time.process_time()
        report = svc.import_paths([box])
        import_wall, import_cpu = time.perf_counter() - w, time.process_time() - c
        db.close()
    n = len(texts)
    return {"mb": mb, "chunks": n, "imported": report.chunks, "embed_cps": n / embed_wall, "import_cps": n / import_wall,
            "batched_cps": n / batched_wall, "batch": EMBED_BATCH, "batched_ratio": batched_wall / import_wall,
            "ratio": embed_wall / import_wall, "cpu_ratio": embed_cpu / import_cpu}


NASTY = ("baseline", "zip-bomb-docx", "zip-bomb-attachment", "nested-html", "csv-10mb-cell", "non-utf8-name",
         "vcard-folded-3mb", "vcard-qp-3mb")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mbox-mb", default="50,200", help="sizes of the generated mbox in MB, comma-separated (the "
                                                        "issue's 1000 takes long on 2 cores)")
    ap.add_argument("--novec-mb", default="", help="sizes of mboxes imported without a vector store (the pipeline's "
                                                    "own memory, Chroma's index left out), comma-separated")
    ap.add_argument("--ratio-mb", type=float, default=1.0, help="size of the mbox imported with the real embedder")
    ap.add_argument("--skip-nasty", action="store_true")
    ap.add_argument("--skip-ratio", action="store_true")
    ap.add_argument("--topics", default="", help="numbers of generated items a topic update places, comma-separated "
                                                 "(its peak RSS, each in a fresh process)")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, Path(args.work))))
        return 0
    cases = ([] if args.skip_nasty else list(NASTY)) + [f"mbox-{m.strip()}" for m in args.mbox_mb.split(",") if m.strip()]
    cases += [f"mbox-novec-{m.strip()}" for m in args.novec_mb.split(",") if m.strip()]
    worst = 0.0
    for case in cases:
        r = in_subprocess(case)
        if "error" in r:
            print(f"{case:<22} FAILED: {r['error']}")
            worst = float("inf")
            continue
        worst = max(worst, r["peak_rss_mb"])
        per_mb = (r["peak_rss_mb"] - r["rss_before_mb"]) / max(r["input_mb"], 1e-9)
        print(f"{case:<22} {r['input_mb']:8.1f} MB in  peak RSS {r['peak_rss_mb']:7.0f} MB (after start "
              f"{r['rss_before_mb']:4.0f}; {per_mb:5.2f} MB per MB in)  {r['seconds']:7.1f} s  {r['chunks']:7d} chunks "
              f"({r['chunks_per_s']:.0f}/s)  {r['summary']}")
        for line in r["skipped"] + r["warnings"]:
            print(f"{'':<24}{line[:160]}")
    if cases:
        print(f"worst peak RSS {worst:.0f} MB (target < 1500 MB): {'OK' if worst < 1500 else 'OVER'}")
    first = None
    for n in [int(x) for x in args.topics.split(",") if x.strip()]:
        r = in_subprocess(f"topics-{n}")
        if "error" in r:
            print(f"topics-{n:<15} FAILED: {r['error']}")
            continue
        grown = r["peak_rss_mb"] - r["rss_before_mb"]
        first = first or (n, grown)
        print(f"topics-{n:<15} peak RSS {r['peak_rss_mb']:7.0f} MB (after start {r['rss_before_mb']:4.0f}; update "
              f"+{grown:.0f} MB, {grown / max(first[1], 1e-9):.2f}x of {first[0]} items' for "
              f"{n / first[0]:.0f}x the items)  {r['seconds']:7.1f} s  {r['topics']} topics, {r['loose']} items loose")
    if not args.skip_ratio:
        r = ratio(args.ratio_mb)
        print(f"mbox {r['mb']:g} MB with the real embedder: {r['chunks']} chunks; import {r['import_cps']:.1f} chunks/s, "
              f"embedder alone {r['embed_cps']:.1f} chunks/s; ratio {r['ratio']:.2f} wall-clock, {r['cpu_ratio']:.2f} "
              f"process CPU (target >= 0.8); the embedder in the import's batches of {r['batch']} "
              f"{r['batched_cps']:.1f} chunks/s (import at {r['batched_ratio']:.2f}x of that)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
