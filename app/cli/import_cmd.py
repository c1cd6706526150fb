"""``mnemo import PATH...``: import documents with a progress bar, Ctrl-C to stop, a summary at the end."""
from __future__ import annotations

import argparse
import dataclasses
import signal
import sys

from app.cli.docs_cmd import safe
from app.cli.progress import CliProgress
from core.jobs import CancelToken, Progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import documents (files or folders) into Mnemo's memory",
                       description="Import notes, mail, PDFs, office files, contacts and chat exports. "
                                   "Unchanged files are skipped; Ctrl-C stops, running it again resumes.")
    p.add_argument("paths", nargs="*", help="files or folders (folders are read recursively)")
    p.add_argument("--watch", action="store_true", help="also keep the folders watched (re-imported at start and while running)")
    p.add_argument("--unwatch", action="store_true", help="stop watching the given folders")
    p.add_argument("--watched", action="store_true", help="re-scan every watched folder (new, changed, deleted files)")
    p.add_argument("--mine", action="store_true", help="these are the user's own documents (e.g. their own vCard)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _chunks(p: Progress) -> str:
    return f"{p.extra.get('chunks', 0)} chunks, {p.extra.get('chunks_per_s', 0.0):.1f} chunks/s"


def print_report(report) -> None:
    print(f"Import: {report.summary()}.")
    for title, items in (("Updated", report.updated), ("Missing (deleted; 'mnemo docs forget ID' removes them)", report.missing)):
        if items:
            print(f"{title}:")
            for path in items:
                print(safe(f"  {path}"))
    if report.skipped:
        print("Skipped:")
        unsupported: dict[str, int] = {}
        for path, reason in report.skipped:
            if reason.startswith("unsupported format") and len(report.skipped) > 20:
                unsupported[reason] = unsupported.get(reason, 0) + 1
                continue
            print(safe(f"  {path}: {reason}"))
        for reason, count in sorted(unsupported.items()):
            print(f"  {count} files: {reason}")


def print_warnings(report, docs, limit: int = 20) -> None:
    """What an imported file lost (a skipped message, a bad CSV row, an attachment refused), by file."""
    shown = 0
    for doc_id in report.document_ids:
        try:
            doc = docs.get_document(doc_id)
        except Exception:  # forgotten meanwhile
            continue
        warnings = doc.meta.get("warnings") or []
        if not warnings:
            continue
        if not shown:
            print("Imported with warnings:")
        if shown >= limit:
            print("  … more: see 'mnemo docs show ID'")
            return
        shown += 1
        print(safe(f"  {doc.path}: " + "; ".join(str(w) for w in warnings[:3])
                   + (f"; … {len(warnings) - 3} more (mnemo docs show {doc.id})" if len(warnings) > 3 else "")))


def run(args: argparse.Namespace, services) -> int:
    docs = services.documents
    if args.unwatch:
        for path in args.paths:
            print(safe(("No longer watching " if docs.unwatch(path) else "Was not watching ") + path))
        return 0
    if not args.paths and not args.watched:
        print("Nothing to import. Give files or folders, e.g.: mnemo import ~/Notes", file=sys.stderr)
        return 2
    if args.watch:
        for path in args.paths:
            print(safe(f"Watching {docs.watch(path)}"))
    cancel = CancelToken()

    bar = CliProgress("import", "files", detail=_chunks, quiet=args.quiet)

    def on_sigint(signum, frame):  # first Ctrl-C stops cleanly after the current file, a second one at once
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        bar.note("Stopping after the current file (Ctrl-C again to stop at once)...")

    def shown(p: Progress) -> None:  # the file being read is named on the terminal, escaped
        bar(dataclasses.replace(p, message=safe(p.message)))

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        with bar:
            if args.watched or args.watch:
                report = docs.scan_watched(shown, cancel)
                if args.paths and not args.watch:
                    extra = docs.import_paths(args.paths, shown, cancel, owner_self=args.mine)
                    report.imported += extra.imported
            else:
                report = docs.import_paths(args.paths, shown, cancel, owner_self=args.mine)
    finally:
        signal.signal(signal.SIGINT, previous)
    print_report(report)
    print_warnings(report, docs)
    if report.cancelled:
        return 130
    _prepare_fast_queries(services, args.quiet)
    return 0


def _prepare_fast_queries(services, quiet: bool) -> None:
    """Torch is loaded now (it embedded the passages): make the embedder's ONNX graph once, for fast queries."""
    if "torch" not in sys.modules or not services.fast_queries_missing():
        return
    if not quiet:
        print("Preparing fast search (once, some seconds)...", file=sys.stderr)
    status = services.prepare_fast_queries()
    if not quiet:
        print(f"Search: {status}.", file=sys.stderr)
