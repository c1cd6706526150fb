"""Run a Mnemo CLI command in a subprocess and kill -9 it at a chosen point of its output."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class KillResult:
    killed: bool        # False: the command finished before the kill point
    returncode: int
    output: str         # stdout and stderr, interleaved


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"MNEMO_HOME": str(home), "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"})
    env.update(extra)
    return env


def run_cli(home: Path, *args: str, timeout: float = 240, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli.main", *args], cwd=REPO, env=cli_env(home, **env),
                          capture_output=True, text=True, timeout=timeout)


def kill_at(home: Path, args: list[str], pattern: str, *, delay: float = 0.0, timeout: float = 240,
            **env: str) -> KillResult:
    """Run ``mnemo ARGS``; ``delay`` s after the first progress report whose message matches ``pattern``
    it is SIGKILLed (by ``killer.py``, from inside: the point does not depend on what the bar prints)."""
    r = subprocess.run([sys.executable, "-u", str(KILLER), *args], cwd=REPO, capture_output=True, text=True,
                       timeout=timeout, env=cli_env(home, PYTHONUNBUFFERED="1", MNEMO_KILL_PROGRESS=pattern,
                                                    MNEMO_KILL_DELAY=str(delay), **env))
    return KillResult(r.returncode == -signal.SIGKILL, r.returncode, r.stdout + r.stderr)


KILLER = REPO / "tests" / "e2e" / "killer.py"


def count_sql(home: Path, args: list[str], match: str = ".", timeout: float = 240, what: str = "SQLCOUNT",
              **env: str) -> int:
    """How many SQL statements matching ``match`` (or commits, with "COMMIT"; or os.replace calls, with
    what="REPLACECOUNT") ``mnemo ARGS`` runs."""
    r = subprocess.run([sys.executable, str(KILLER), *args], cwd=REPO, capture_output=True, text=True,
                       timeout=timeout, env=cli_env(home, MNEMO_COUNT_SQL="1", MNEMO_KILL_MATCH=match, **env))
    line = [ln for ln in r.stderr.splitlines() if ln.startswith(what + " ")]
    assert line, r.stderr[-2000:]
    return int(line[-1].split()[1])


def kill_after_sql(home: Path, args: list[str], n: int, match: str = ".", timeout: float = 240,
                   **env: str) -> subprocess.CompletedProcess:
    """Run ``mnemo ARGS`` and SIGKILL it right after its ``n``-th matching SQL statement (or commit)."""
    return subprocess.run([sys.executable, str(KILLER), *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=cli_env(home, MNEMO_KILL_SQL=str(n), MNEMO_KILL_MATCH=match, **env))


def kill_after_replace(home: Path, args: list[str], n: int, timeout: float = 400, **env: str) -> subprocess.CompletedProcess:
    """Run ``mnemo ARGS`` and SIGKILL it right after its ``n``-th ``os.replace`` (an atomic file write)."""
    return subprocess.run([sys.executable, str(KILLER), *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=cli_env(home, MNEMO_KILL_REPLACE=str(n), **env))


def signal_when(proc: subprocess.Popen, db: Path, sql: str, at_least: int, sig: int, timeout: float,
                poll_s: float = 0.1) -> int:
    """Send ``sig`` to ``proc`` once ``sql`` (a count) on the SQLite file ``db`` reaches ``at_least``;
    return the last count seen (the process may end first)."""
    import sqlite3

    deadline = time.time() + timeout
    n = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(poll_s)
        try:
            con = sqlite3.connect(db, timeout=1)
            n = con.execute(sql).fetchone()[0]
            con.close()
        except sqlite3.Error:
            continue
        if n >= at_least:
            proc.send_signal(sig)
            break
    return n
