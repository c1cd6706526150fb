"""``mnemo memory list|show|edit|forget`` and ``mnemo reflect``: inspect, correct and build the reflective memory."""
from __future__ import annotations

import argparse
import json

from app.cli.progress import run_job


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("memory", help="inspect and edit what Mnemo remembers from conversations")
    ms = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    lp = ms.add_parser("list", help="list memories, newest first")
    lp.add_argument("--search", default="", help="only memories whose text contains this")
    lp.add_argument("--limit", type=int, default=50)
    lp.add_argument("--json", action="store_true")
    sp = ms.add_parser("show", help="a memory with its revisions and the turns it comes from")
    sp.add_argument("id", type=int)
    sp.add_argument("--json", action="store_true")
    ep = ms.add_parser("edit", help="replace a memory's summary (the old text is kept as a revision)")
    ep.add_argument("id", type=int)
    ep.add_argument("summary")
    fp = ms.add_parser("forget", help="delete a memory (database and vector index)")
    fp.add_argument("id", type=int)
    qp = ms.add_parser("search", help="what chat would retrieve for a question (reranked, no sampling)")
    qp.add_argument("query")
    qp.add_argument("-k", type=int, default=5)
    p.set_defaults(func=run)
    r = sub.add_parser("reflect", help="turn conversations not reflected on yet into memories now")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=run_reflect)


def run(args: argparse.Namespace, services) -> int:
    memory = services.memory
    if args.action == "list":
        rows = memory.list(args.search, args.limit)
        if args.json:
            print(json.dumps([{"id": m.id, "summary": m.summary, "date": m.session_date, "sources": m.sources}
                              for m in rows], indent=1))
            return 0
        if not rows:
            print("No memories yet. Chat with Mnemo, then run 'mnemo reflect'.")
        for m in rows:
            when = m.session_date or f"{m.created_at:%Y-%m-%d}"
            print(f"{m.id:>6}  {when:>17}  {len(m.sources):>2} turns  {m.summary[:90]}")
        return 0
    if args.action == "show":
        m = memory.get(args.id)
        revs = memory.revisions(args.id)
        turns = memory.source_turns(args.id)
        if args.json:
            print(json.dumps({"id": m.id, "summary": m.summary, "date": m.session_date, "sources": m.sources,
                              "turns": [t.text for t in turns],
                              "revisions": [{"summary": r.summary, "reason": r.reason, "at": r.created_at.isoformat()}
                                            for r in revs]}, indent=1))
            return 0
        when = m.session_date or f"{m.created_at:%Y-%m-%d}"
        print(f"Memory {m.id} ({when})\n  {m.summary}\n\nFrom:")
        for t in turns:
            print(f"  [{t.ref}] {t.text[:200]}")
        if revs:
            print("\nEarlier versions:")
            for r in revs:
                print(f"  {r.created_at:%Y-%m-%d %H:%M} ({r.reason}): {r.summary[:200]}")
        return 0
    if args.action == "edit":
        m = memory.edit(args.id, args.summary)
        print(f"Memory {m.id} updated; the previous text is kept as a revision.")
        return 0
    if args.action == "forget":
        memory.forget(args.id)
        print(f"Memory {args.id} forgotten.")
        return 0
    if args.action == "search":
        for i, c in enumerate(memory.search(args.query, args.k), 1):
            print(f"[{i}] {c.ref} ({c.source}) {' '.join(c.text.split())[:160]}")
        return 0
    return 2


def run_reflect(args: argparse.Namespace, services) -> int:
    stats = run_job(services.memory.reflect_pending, "reflect", unit="conversations", quiet=args.json)
    out = {"sessions": stats.sessions, "turns": stats.turns, "added": stats.added, "merged": stats.merged,
           "model_calls": stats.model_calls, "seconds": round(stats.seconds_total, 1)}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{stats.added} memories added, {stats.merged} merged from {stats.turns} turns "
              f"({stats.model_calls} model calls, {stats.seconds_total:.1f} s).")
    return 0
