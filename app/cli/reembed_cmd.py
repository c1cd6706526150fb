"""``mnemo reembed``: embed every stored text again with the embedder now set (after model.embedder_path changed).

It says beforehand how many items it will embed; Ctrl-C stops it and running it again goes
on where it stopped (rows already re-embedded are not done twice).
"""
from __future__ import annotations

import argparse
import json

from app.cli.progress import run_job

NOTICE = ("The embedder changed: documents, memories and topics embedded by the old one are searched only after "
          "'mnemo reembed' has embedded them again (it says how many first; it can be stopped and resumed).")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reembed", help="embed stored documents, memories and topics again with the embedder now set")
    p.add_argument("--check", action="store_true", help="only say how many items need it (exit status 1 if any)")
    p.add_argument("--all", action="store_true", dest="force",
                   help="embed everything again, even vectors the embedder now set made")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


VECTORS_NOTICE = ("The vector index moved: the collections there start empty and fill as passages and memories are "
                  "embedded again. To copy the index instead, set it back and run 'mnemo vectors migrate --to "
                  "server' (or '--to embedded').")


def settings_notice(key: str) -> str | None:
    """What ``mnemo settings set KEY`` should add for a key that changes where vectors come from (else None)."""
    return {"model.embedder_path": NOTICE, "storage.vectors": VECTORS_NOTICE}.get(key)


def run(args: argparse.Namespace, services) -> int:
    job = services.reembedder()
    plan = job.plan(force=args.force)
    if args.json and args.check:
        print(json.dumps({"embedder": plan.embedder, "dim": plan.dim, "items": plan.counts, "total": plan.total}))
        return 1 if plan.total else 0
    if not args.json:
        print(plan.describe())
    if args.check or not plan.total:
        if args.check and plan.total and not args.json:
            print("Run 'mnemo reembed' to do it.")
        return 1 if args.check and plan.total else 0
    report = run_job(job.run, "reembed", unit="items", quiet=args.json, force=args.force)
    if args.json:
        print(json.dumps({"embedder": plan.embedder, "dim": plan.dim, "embedded": report.embedded,
                          "total": report.total}))
    else:
        print(f"Re-embedded {report.total:,} items with {plan.embedder}.")
    return 0
