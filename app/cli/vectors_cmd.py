"""``mnemo vectors status|migrate``: where the vector index is, how full, and moving it to or from a Chroma server.

``migrate --to server`` copies every collection of this data folder to the Chroma server
set by ``storage.chroma_host`` / ``chroma_port`` / ``chroma_ssl`` (token: ``mnemo settings
set-secret storage.chroma_token``), checks the counts, and only then sets
``storage.vectors``; ``--to embedded`` goes back. A server that is down changes nothing.
The source is kept as it was (SQLite stays the source of truth).
"""
from __future__ import annotations

import argparse
import json

from app.cli.progress import run_job

TARGETS = {"server": "chroma-server", "embedded": "embedded"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("vectors", help="where the vector index is; move it to or from a Chroma server")
    ss = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    st = ss.add_parser("status", help="the backend, where it is, its collections and their counts beside the database's")
    st.add_argument("--json", action="store_true")
    mg = ss.add_parser("migrate", help="copy the index to the Chroma server or back into the data folder, then use it",
                       description="Copy every collection in batches, check the counts, then set storage.vectors. "
                                   "An unreadable source is rebuilt from the database instead.")
    mg.add_argument("--to", required=True, choices=sorted(TARGETS), help="where the vectors go")
    mg.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, services) -> int:
    return _status(args, services) if args.action == "status" else _migrate(args, services)


def _status(args: argparse.Namespace, services) -> int:
    from core.store.migrate_vectors import counts
    from core.store.vector_backend import probe

    loc = services.vectors.location
    info = probe(loc) if loc.is_server else None  # a down server: a clear error (exit status 2)
    rows = counts(services.vectors, services.db)
    ok = all(r.matches for r in rows)
    if args.json:
        print(json.dumps({"backend": loc.backend, "where": loc.url if loc.is_server else str(loc.path),
                          "server_version": info.version if info else None,
                          "latency_ms": round(info.latency_ms, 2) if info else None,
                          "collections": {r.name: {"vectors": r.vectors, "database": r.expected} for r in rows},
                          "matches_database": ok}))
        return 0 if ok else 1
    print(f"Vectors: {loc.describe()}")
    if info is not None:
        print(f"  server version {info.version}, heartbeat {info.latency_ms:.1f} ms; "
              f"collections named {loc.prefix}<name>")
    for r in rows:
        want = "" if r.expected is None else f" (database: {r.expected:,})"
        flag = "" if r.matches else "  MISMATCH"
        print(f"  {r.name:<16} {r.vectors:>9,} vectors{want}{flag}  {r.label}")
    if not rows:
        print("  no collections yet")
    if not ok:
        print("Some collections do not hold what the database has: 'mnemo doctor --rebuild-vectors' rebuilds them.")
    return 0 if ok else 1


def _migrate(args: argparse.Namespace, services) -> int:
    from core.errors import StorageError
    from core.store.migrate_vectors import migrate
    from core.store.vectors import VectorIndex

    backend = TARGETS[args.to]
    source = services.vectors
    if source.location.backend == backend:
        raise StorageError(f"The vectors are already in {source.location.describe()}.",
                           "Nothing to migrate; 'mnemo vectors status' shows them.")
    target = VectorIndex(location=services.vector_location(backend))
    was = source.location.describe()

    def rebuild(index: VectorIndex) -> int:
        old = source.location  # the stores write through the shared index: point it at the target meanwhile
        source.switch(index.location)
        try:
            return services.rebuild_vectors()
        finally:
            source.switch(old)

    if not args.json:
        print(f"Copying the vectors from {was} to {target.location.describe()}.")
    report = run_job(migrate, "migrate", source, target, services.db, rebuild, unit="vectors", quiet=args.json,
                     embedder=lambda: services.embedder)
    services.settings_store.set("storage.vectors", backend)  # the index follows (Services reacts to storage.*)
    if args.json:
        print(json.dumps({"to": backend, "where": target.location.url if target.location.is_server
                          else str(target.location.path), "vectors": report.copied, "total": report.total,
                          "rebuilt_from_database": report.rebuilt}))
        return 0
    if report.rebuilt:
        print(f"The source could not be read ({report.reason}); rebuilt from the database instead.")
    for name, n in report.copied.items():
        print(f"  {name:<16} {n:>9,} vectors")
    print(f"Done: {report.total:,} vectors in {target.location.describe()}; storage.vectors = {backend}. "
          f"The copy in {was} is left as it was.")
    return 0
