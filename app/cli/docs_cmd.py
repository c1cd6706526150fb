"""``mnemo docs list|show|forget``: the imported documents, their status and errors."""
from __future__ import annotations

import argparse
import json
import re

# Control characters (ESC starts terminal escape codes), bidi overrides and lone surrogates (bytes of
# a file name that are not UTF-8) are printed as escapes: a file name cannot drive the terminal.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
STATES = ("searchable", "waiting", "partial", "failed", "missing")


def _escape(ch: str) -> str:
    c = ord(ch)
    if 0xDC80 <= c <= 0xDCFF:  # os.fsdecode's stand-in for a byte that is not UTF-8
        return f"\\x{c - 0xDC00:02x}"
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def safe(text: object) -> str:
    """``text`` printable as is on a terminal: control characters and undecodable bytes escaped."""
    return _UNSAFE.sub(lambda m: _escape(m.group()), str(text))


def state(doc, pending: int) -> str:
    """searchable | waiting (some chunks have no vector yet: keyword search only) | partial (a large file whose
    import stopped part way: what is stored is searchable, the next import goes on) | failed | missing."""
    if doc.status == "partial":
        return "partial"
    if doc.status == "error":
        return "failed"
    if doc.status == "missing":
        return "missing"
    return "waiting" if pending else "searchable"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("docs", help="list, show or forget imported documents")
    dsub = p.add_subparsers(dest="docs_command", metavar="ACTION")
    lp = dsub.add_parser("list", help="list documents with their status")
    lp.add_argument("--status", choices=STATES + ("ok", "error"),
                    help="only documents in this state (searchable; waiting for vectors; partial; failed; missing)")
    sp = dsub.add_parser("show", help="show a document and its chunks")
    sp.add_argument("id", type=int)
    sp.add_argument("--chunks", type=int, default=5, help="chunks to print (default 5, 0 = all)")
    fp = dsub.add_parser("forget", help="remove a document from memory completely")
    fp.add_argument("ids", type=int, nargs="+")
    dsub.add_parser("watched", help="list watched folders")
    p.set_defaults(func=run, status=None)  # plain ``mnemo docs`` lists everything


def run(args: argparse.Namespace, services) -> int:
    docs = services.documents
    cmd = args.docs_command or "list"
    if cmd == "list":
        wanted = {"ok": "searchable", "error": "failed"}.get(args.status or "", args.status)
        pending = docs.store.pending_by_document()
        rows = [(d, state(d, pending.get(d.id, 0))) for d in docs.list_documents()]
        rows = [(d, s) for d, s in rows if not wanted or s == wanted]
        if not rows:
            print("No documents yet. Import some with: mnemo import PATH" if not wanted else f"No {wanted} documents.")
        counts = {s: 0 for s in STATES}
        for d, s in rows:
            counts[s] += 1
            owner = " (mine)" if d.meta.get("owner") == "self" else ""
            err = f"  — {d.error}" if d.error else ""
            if s == "waiting":
                err = f"  — {pending[d.id]} of {d.n_chunks} chunks wait for their vectors (found by keywords only)" + err
            print(safe(f"{d.id:>5}  {s:<10} {d.format:<8} {d.n_chunks:>5} chunks  {d.path}{owner}{err}"))
        if rows:
            print(", ".join(f"{n} {s}" for s, n in counts.items() if n) + ".")
        if counts["partial"]:
            print("Partly imported files go on from where they stopped at the next 'mnemo import'.")
        if counts["waiting"]:
            print("Vectors are written at the start of the next import (or: mnemo doctor --rebuild-vectors).")
        return 0
    if cmd == "watched":
        for f in docs.watched():
            print(safe(f))
        return 0
    if cmd == "show":
        d = docs.get_document(args.id)
        print(safe(f"Document {d.id}: {d.path}"))
        print(f"  format {d.format}, status {d.status}, {d.n_chunks} chunks, {d.size} bytes, sha256 {d.content_hash[:16]}…")
        print(f"  imported {d.imported_at}, updated {d.updated_at}")
        if d.error:
            print(safe(f"  error: {d.error}"))
        for w in d.meta.get("warnings") or []:
            print(safe(f"  warning: {w}"))
        if d.meta:
            print(safe(f"  meta: {json.dumps(d.meta, ensure_ascii=False)[:500]}"))
        for i, c in enumerate(docs.iter_chunks([d.id])):
            if args.chunks and i >= args.chunks:
                print(f"  … ({d.n_chunks - i} more)")
                break
            print(safe(f"  [{c.ordinal}] {c.source}: {' '.join(c.text.split())[:200]}"))
        return 0
    if cmd == "forget":
        for i in args.ids:
            n = docs.forget(i)
            print(f"Forgot document {i} ({n} chunks).")
        return 0
    return 2
