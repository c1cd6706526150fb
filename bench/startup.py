"""Whole-process wall time of quick commands, before and after a change, in one run.

Each command runs as a fresh process (interpreter, imports, data folder, work, exit), timed
by this parent; "before" runs the code of a git revision (a temporary worktree, ``--before``,
default the revision before the fast query path) and "after" the working tree (or, with
``--after REV``, another revision: a change of its own, without others' uncommitted work), alternating
run by run on the same data folder so machine load hits both alike. Medians, and their ratio.

"window to ready" is from the window's first paint to model and embedder ready
(``mnemo-desktop --ready``, offscreen), for revisions that can report it.

For ``chat -m`` the time is to the first byte of the answer on stdout (the first streamed
token, or the whole grounded answer when it is shown at once), next to the model's own time
to read the prompt (``first_piece_s`` of the answer's meta) for the target 2 x that + 0.5 s.

The data folder is made once: a persona's documents imported by the working tree's code
(which also makes the embedder's ONNX graph, as ``mnemo import`` does for a user).

    .venv/bin/python bench/startup.py [--runs 5] [--before b56903f] [--after REV] [--home DIR] [--only help search]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PERSONA = REPO / "tests" / "fixtures" / "personas" / "fiona-en" / "docs"
COMMANDS = {
    "help": ["--help"],
    "search": ["search", "Where did I stay last spring"],
    "facts list": ["facts", "list"],
    "chat -m (first byte)": ["chat", "-m", "Which day is bin collection?"],
}


def run_once(code_dir: Path, home: Path, args: list[str], first_byte: bool) -> tuple[float, float]:
    """Wall seconds (to the first byte for ``first_byte``) and the CPU seconds (user + system) the process used."""
    # as a user runs it: byte code cached (a shell with PYTHONDONTWRITEBYTECODE=1 compiles every module each run)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**env, "MNEMO_HOME": str(home), "PYTHONPATH": str(code_dir), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "app.cli.main", *args], cwd=code_dir, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert p.stdout is not None
    first = None
    if first_byte:
        if p.stdout.read(1):
            first = time.perf_counter() - t0
    p.stdout.read()
    p.stdout.close()
    _, status, usage = os.wait4(p.pid, 0)
    total = time.perf_counter() - t0
    p.returncode = rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        raise SystemExit(f"{' '.join(args)} failed in {code_dir} (exit {rc})")
    return (first if first is not None else total), usage.ru_utime + usage.ru_stime


def last_prompt_seconds(home: Path) -> float | None:
    """The seconds the model took to its first piece (the prompt read) for the last answer stored, if it says."""
    import json
    import sqlite3

    con = sqlite3.connect(f"file:{home / 'mnemo.sqlite3'}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT meta FROM message WHERE role = 'assistant' ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    value = json.loads(row[0] or "{}").get("first_piece_s") if row else None
    return float(value) if value is not None else None


def window_ready(code_dir: Path, home: Path) -> float | None:
    """Seconds from the window's first paint to model and embedder ready (``mnemo-desktop --ready``), offscreen."""
    if "--ready" not in (code_dir / "app" / "desktop.py").read_text(encoding="utf-8"):
        return None  # that revision cannot say
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**env, "MNEMO_HOME": str(home), "PYTHONPATH": str(code_dir), "QT_QPA_PLATFORM": "offscreen",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    r = subprocess.run([sys.executable, "-m", "app.desktop", "--ready"], cwd=code_dir, env=env, capture_output=True,
                       text=True, timeout=600)
    m = re.search(r"ready ([0-9.]+) s after the window painted", r.stdout)
    if not m:
        raise SystemExit(f"mnemo-desktop --ready said nothing usable: {r.stdout[-300:]} {r.stderr[-500:]}")
    return float(m.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", default="b56903f", help="git revision to compare with")
    ap.add_argument("--after", help="git revision to time instead of the working tree")
    ap.add_argument("--home", type=Path, help="data folder to use (default: a new one with a persona imported)")
    ap.add_argument("--only", nargs="*", help="command names to time (default: all)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="mnemo-startup-"))
    before = tmp / "before"
    subprocess.run(["git", "worktree", "add", "--detach", str(before), args.before], cwd=REPO, check=True,
                   capture_output=True)
    after = REPO
    if args.after:
        after = tmp / "after"
        subprocess.run(["git", "worktree", "add", "--detach", str(after), args.after], cwd=REPO, check=True,
                       capture_output=True)
    try:
        home = args.home
        if home is None:
            home = tmp / "home"
            env = {**os.environ, "MNEMO_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "app.cli.main", "import", "--quiet", str(PERSONA)], cwd=REPO,
                           env=env, check=True, capture_output=True)
            print(f"data folder: {home} (persona imported and the ONNX graph made in {time.perf_counter() - t0:.1f} s)")
        names = [n for n in (args.only or list(COMMANDS)) if n in COMMANDS]
        # CPU seconds are the check on a loaded machine: other processes stretch the wall time, far less the CPU time
        print(f"{'command':<22} {'before s':>9} {'after s':>9} {'after/before':>13} {'CPU before':>11} "
              f"{'CPU after':>10} {'CPU a/b':>8}   ({args.runs} runs each, "
              f"before = {args.before}, after = {args.after or 'the working tree'}, "
              f"load average {os.getloadavg()[0]:.1f})")
        for name in names:
            cmd = COMMANDS[name]
            first = name.startswith("chat")
            b: list[tuple[float, float]] = []
            a: list[tuple[float, float]] = []
            run_once(after, home, cmd, first)  # warm the file cache for both
            run_once(before, home, cmd, first)
            for _ in range(args.runs):
                b.append(run_once(before, home, cmd, first))
                a.append(run_once(after, home, cmd, first))
            mb, ma = statistics.median(x[0] for x in b), statistics.median(x[0] for x in a)
            cb, ca = statistics.median(x[1] for x in b), statistics.median(x[1] for x in a)
            print(f"{name:<22} {mb:>9.2f} {ma:>9.2f} {ma / mb:>13.2f} {cb:>11.2f} {ca:>10.2f} {ca / cb:>8.2f}")
            if first:
                pp = last_prompt_seconds(home)
                if pp is not None:
                    print(f"{'':<22} the model read the prompt in {pp:.2f} s (last answer): target for the first byte "
                          f"2 x {pp:.2f} + 0.5 = {2 * pp + 0.5:.2f} s, after = {ma:.2f} s")
        if not args.only or "window" in args.only:
            b_w = [window_ready(before, home) for _ in range(max(1, args.runs // 2))]
            a_w = [window_ready(after, home) for _ in range(max(1, args.runs // 2))]
            a_med = statistics.median([x for x in a_w if x is not None])
            if b_w[0] is None:
                print(f"{'window to ready':<22} {'n/a':>9} {a_med:>9.2f}   (after the first paint; the revision before "
                      "cannot report it)")
            else:
                b_med = statistics.median([x for x in b_w if x is not None])
                print(f"{'window to ready':<22} {b_med:>9.2f} {a_med:>9.2f} {a_med / b_med:>13.2f}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        for tree in (before, after):
            if tree != REPO:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
