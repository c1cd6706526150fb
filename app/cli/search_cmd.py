"""``mnemo search "query"``: ranked passages from imported documents with their sources."""
from __future__ import annotations

import argparse
import json

from app.cli.docs_cmd import safe


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="search imported documents (keywords and meaning)")
    p.add_argument("query", help="what to look for")
    p.add_argument("-k", type=int, default=10, help="number of passages (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, services) -> int:
    hits = services.documents.search(args.query, k=max(1, args.k))
    if not hits:
        print("No passages found." + ("" if services.documents.list_documents() else
                                     " Import documents first: mnemo import PATH"))
        return 1
    for i, h in enumerate(hits, 1):
        if args.json:
            print(json.dumps({"rank": i, "chunk_id": h.chunk_id, "document_id": h.document_id, "source": h.source,
                              "score": h.score, "text": h.text, "meta": h.meta}, ensure_ascii=False))
            continue
        text = " ".join(h.text.split())
        print(safe(f"{i:>2}. {h.source}  [{h.score:.4f}]"))
        print(safe(f"    {text[:300]}{'…' if len(text) > 300 else ''}"))
    return 0
