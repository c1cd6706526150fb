"""``mnemo import PATH...``: import documents with a progress bar, Ctrl-C to stop, a summary at the end."""
from __future__ import annotations

import argparse
import signal
import sys
import time

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


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    """One status line on stderr: files, chunks, throughput, ETA, current file."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last = 0.0

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if p.message != "done" and now - self._last < (0.1 if self.tty else 2.0):
            return
        self._last = now
        x = p.extra
        frac = x.get("bytes", 0) / x["total_bytes"] if x.get("total_bytes") else p.fraction
        width = 24
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        name = p.message if len(p.message) <= 40 else "…" + p.message[-39:]
        line = (f"[{bar}] {p.done}/{p.total} files  {x.get('chunks', 0)} chunks  "
                f"{x.get('chunks_per_s', 0.0):.1f} chunks/s  ETA {_fmt_eta(x.get('eta_s'))}  {name}")
        if self.tty:
            self.stream.write("\r" + line[:160].ljust(160))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def print_report(report) -> None:
    print(f"Import: {report.summary()}.")
    for title, items in (("Updated", report.updated), ("Missing (deleted; 'mnemo docs forget ID' removes them)", report.missing)):
        if items:
            print(f"{title}:")
            for path in items:
                print(f"  {path}")
    if report.skipped:
        print("Skipped:")
        unsupported: dict[str, int] = {}
        for path, reason in report.skipped:
            if reason.startswith("unsupported format") and len(report.skipped) > 20:
                unsupported[reason] = unsupported.get(reason, 0) + 1
                continue
            print(f"  {path}: {reason}")
        for reason, count in sorted(unsupported.items()):
            print(f"  {count} files: {reason}")


def run(args: argparse.Namespace, services) -> int:
    docs = services.documents
    if args.unwatch:
        for path in args.paths:
            print(("No longer watching " if docs.unwatch(path) else "Was not watching ") + path)
        return 0
    if not args.paths and not args.watched:
        print("Nothing to import. Give files or folders, e.g.: mnemo import ~/Notes", file=sys.stderr)
        return 2
    if args.watch:
        for path in args.paths:
            print(f"Watching {docs.watch(path)}")
    cancel = CancelToken()

    def on_sigint(signum, frame):  # first Ctrl-C stops cleanly after the current file, a second one at once
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        sys.stderr.write("\nStopping after the current file (Ctrl-C again to stop at once)...\n")

    previous = signal.signal(signal.SIGINT, on_sigint)
    bar = None if args.quiet else ProgressBar()
    try:
        if args.watched or args.watch:
            report = docs.scan_watched(bar, cancel)
            if args.paths and not args.watch:
                extra = docs.import_paths(args.paths, bar, cancel, owner_self=args.mine)
                report.imported += extra.imported
        else:
            report = docs.import_paths(args.paths, bar, cancel, owner_self=args.mine)
    finally:
        signal.signal(signal.SIGINT, previous)
        if bar:
            bar.close()
    print_report(report)
    if report.cancelled:
        return 130
    return 0
