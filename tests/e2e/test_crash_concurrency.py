"""Two processes on one data folder: the second gets a clear DataFolderLocked message (the
documented behaviour), a backup works next to a running writer, and a killed holder leaves
no stale lock."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from core.backup import restore_backup, verify_backup
from tests.e2e.crash_helpers import REPO, cli_env, run_cli

WRITER = """
import sys, time
from app.services import Services
s = Services()
c = s.conversations.create(title="busy")
print("ready", flush=True)
i = 0
while True:
    s.conversations.add_message(c.id, "user", f"message {i} " + "x" * 500)
    i += 1
    if i % 20 == 0:
        print(i, flush=True)
"""


def _start_writer(home: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-u", "-c", WRITER], cwd=REPO, env=cli_env(home),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
    return proc


def _count(db: Path) -> int:
    con = sqlite3.connect(str(db), timeout=30)
    try:
        return con.execute("SELECT count(*) FROM message").fetchone()[0]
    finally:
        con.close()


def test_second_process_gets_a_clear_message_and_backup_works_beside_a_writer(home: Path, tmp_path: Path) -> None:
    writer = _start_writer(home)
    try:
        second = run_cli(home, "doctor", "--no-load")
        assert second.returncode == 2
        assert f"Another Mnemo (process {writer.pid}) is using the data folder" in second.stderr
        assert "Close the other Mnemo" in second.stderr
        time.sleep(0.5)
        before = _count(home / "mnemo.sqlite3")
        dest = tmp_path / "live.zip"
        b = run_cli(home, "backup", str(dest))
        assert b.returncode == 0, b.stderr
        assert "Mnemo was running" in b.stdout
        after = _count(home / "mnemo.sqlite3")
        assert verify_backup(dest).vectors == "rebuild"
    finally:
        os.kill(writer.pid, signal.SIGKILL)  # the writer dies holding the lock
        writer.wait(timeout=30)
    res = restore_backup(dest, tmp_path / "restored")
    con = sqlite3.connect(str(res.home / "mnemo.sqlite3"))
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n = con.execute("SELECT count(*) FROM message").fetchone()[0]
    con.close()
    assert before <= n <= after and after > before  # a moment between the two, with the writer going on
    third = run_cli(home, "doctor", "--no-load")  # flock died with the writer: no stale lock
    assert third.returncode == 0, third.stderr
    assert _count(home / "mnemo.sqlite3") >= after  # nothing committed was lost to the kill
