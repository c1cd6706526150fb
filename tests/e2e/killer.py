"""Run the Mnemo CLI and SIGKILL it at an exact point: right after the Nth SQL statement that matches
a pattern (MNEMO_KILL_SQL=N, MNEMO_KILL_MATCH=regex), right after the Nth ``os.replace`` (the
atomic file writes of checkpoints and settings: MNEMO_KILL_REPLACE=N), or MNEMO_KILL_DELAY seconds
after the first progress report whose message matches MNEMO_KILL_PROGRESS=regex (a job's stage,
whatever the renderer shows of it). MNEMO_COUNT_SQL=1 prints
how many of each ran instead, so the tests can enumerate every crash point of a command.

Usage: python tests/e2e/killer.py ARGS...   (the same arguments as ``mnemo``)
"""
from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> int:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    kill_at = int(os.environ.get("MNEMO_KILL_SQL", "0"))
    count_only = os.environ.get("MNEMO_COUNT_SQL") == "1"
    rx = re.compile(os.environ.get("MNEMO_KILL_MATCH", "."), re.IGNORECASE | re.DOTALL)
    seen = {"n": 0}

    trace = open(os.environ["MNEMO_SQL_TRACE"], "a", encoding="utf-8") if os.environ.get("MNEMO_SQL_TRACE") else None

    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if trace is not None:
            trace.write(" ".join(statement.split())[:120] + "\n")
            trace.flush()
        if rx.search(statement):
            seen["n"] += 1
            if kill_at and seen["n"] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    def on_commit(conn):  # type: ignore[no-untyped-def]
        if trace is not None:
            trace.write("COMMIT\n")
            trace.flush()
        if rx.pattern == "COMMIT":
            seen["n"] += 1
            if kill_at and seen["n"] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    replace_at = int(os.environ.get("MNEMO_KILL_REPLACE", "0"))
    replaced = {"n": 0}
    real_replace = os.replace

    def replace(src, dst, *a, **k):  # type: ignore[no-untyped-def]
        real_replace(src, dst, *a, **k)
        replaced["n"] += 1
        if replace_at and replaced["n"] == replace_at:
            os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace  # Path.replace calls os.replace too
    _kill_at_progress(os.environ.get("MNEMO_KILL_PROGRESS", ""), float(os.environ.get("MNEMO_KILL_DELAY", "0")))
    event.listen(Engine, "after_cursor_execute", after)   # the ORM's statements and commits
    event.listen(Engine, "commit", on_commit)
    _count_raw_sql(lambda statement: after(None, None, statement, None, None, False))
    from app.cli.main import main as cli

    try:
        return cli(sys.argv[1:])
    finally:
        if count_only:
            print(f"SQLCOUNT {seen['n']}", file=sys.stderr, flush=True)
            print(f"REPLACECOUNT {replaced['n']}", file=sys.stderr, flush=True)


def _count_raw_sql(after) -> None:  # type: ignore[no-untyped-def]
    """Report each statement of the raw connections (``Database.read()/write()``; COMMIT is one) to ``after``."""
    import sqlite3

    from core.store import db

    class Counting(sqlite3.Connection):
        def execute(self, sql, parameters=(), /):  # type: ignore[no-untyped-def, override]
            cur = super().execute(sql, parameters)
            after(sql)
            return cur

        def executemany(self, sql, parameters, /):  # type: ignore[no-untyped-def, override]
            cur = super().executemany(sql, parameters)
            after(sql)
            return cur

        def executescript(self, script, /):  # type: ignore[no-untyped-def, override]
            cur = super().executescript(script)
            after(script)
            return cur

    db.CONNECTION_FACTORY = Counting


def _kill_at_progress(pattern: str, delay: float) -> None:
    """SIGKILL this process ``delay`` s after the first progress report whose message matches ``pattern``."""
    if not pattern:
        return
    import threading
    import time

    from app.cli import progress

    rx = re.compile(pattern)
    real_call = progress.CliProgress.__call__

    def call(self, p):  # type: ignore[no-untyped-def]
        real_call(self, p)
        if rx.search(p.message):
            def kill() -> None:
                time.sleep(delay)
                os.kill(os.getpid(), signal.SIGKILL)

            if delay:
                threading.Thread(target=kill, daemon=True).start()
            else:
                kill()

    progress.CliProgress.__call__ = call  # type: ignore[method-assign]


if __name__ == "__main__":
    raise SystemExit(main())
