"""``mnemo docs list|show|forget``: the imported documents, their status and errors."""
from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("docs", help="list, show or forget imported documents")
    dsub = p.add_subparsers(dest="docs_command", metavar="ACTION")
    lp = dsub.add_parser("list", help="list documents with their status")
    lp.add_argument("--status", choices=("ok", "missing", "error"), help="only documents with this status")
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
        rows = docs.list_documents(args.status)
        if not rows:
            print("No documents yet. Import some with: mnemo import PATH")
        for d in rows:
            owner = " (mine)" if d.meta.get("owner") == "self" else ""
            err = f"  — {d.error}" if d.error else ""
            print(f"{d.id:>5}  {d.status:<7} {d.format:<8} {d.n_chunks:>5} chunks  {d.path}{owner}{err}")
        return 0
    if cmd == "watched":
        for f in docs.watched():
            print(f)
        return 0
    if cmd == "show":
        d = docs.get_document(args.id)
        print(f"Document {d.id}: {d.path}")
        print(f"  format {d.format}, status {d.status}, {d.n_chunks} chunks, {d.size} bytes, sha256 {d.content_hash[:16]}…")
        print(f"  imported {d.imported_at}, updated {d.updated_at}")
        if d.error:
            print(f"  error: {d.error}")
        if d.meta:
            print(f"  meta: {json.dumps(d.meta, ensure_ascii=False)[:500]}")
        for i, c in enumerate(docs.iter_chunks([d.id])):
            if args.chunks and i >= args.chunks:
                print(f"  … ({d.n_chunks - i} more)")
                break
            print(f"  [{c.ordinal}] {c.source}: {' '.join(c.text.split())[:200]}")
        return 0
    if cmd == "forget":
        for i in args.ids:
            n = docs.forget(i)
            print(f"Forgot document {i} ({n} chunks).")
        return 0
    return 2
