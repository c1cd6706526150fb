"""A full disk, for real: the CLI runs under RLIMIT_FSIZE (writes past the limit fail with EFBIG,
as on a full disk). Import and backup stop with a plain message, the database stays whole with
everything committed before, and the same command finishes once there is room."""
from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from core.backup import verify_backup
from tests.core.backup_helpers import dump_db
from tests.e2e.crash_helpers import REPO, cli_env, run_cli


def _run_limited(home: Path, limit: int, *args: str) -> subprocess.CompletedProcess:
    def pre() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "app.cli.main", *args], cwd=REPO, env=cli_env(home),
                          preexec_fn=pre, capture_output=True, text=True, timeout=600)


def _integrity(db: Path) -> str:
    con = sqlite3.connect(str(db))
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def test_import_on_a_full_disk_reports_and_resumes(home: Path, tmp_path: Path, shared_embedder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(12):
        (docs / f"n{i:02d}.txt").write_text(os.urandom(22_000).hex(), encoding="utf-8")
    assert run_cli(home, "doctor", "--no-load").returncode == 0
    limit = (home / "mnemo.sqlite3").stat().st_size + 120_000
    r = _run_limited(home, limit, "import", str(docs), "--quiet")
    assert r.returncode == 2, r.stderr[-3000:]
    assert "Writing to the disk failed" in r.stderr and "Traceback" not in r.stderr
    assert _integrity(home / "mnemo.sqlite3") == "ok"
    from app.services import Services

    with Services(home) as s:
        s.set_embedder(shared_embedder)
        kept = len(s.documents.list_documents())
        assert kept < 12
        s.documents.import_paths([docs])
        assert len([d for d in s.documents.list_documents() if d.status == "ok"]) == 12
        assert s.vectors.count("chunks") == sum(1 for _ in s.documents.iter_chunks())
        persona = getattr(s, "persona", None)
        if persona is not None:
            persona.flush()


def test_backup_on_a_full_disk_leaves_no_file_and_no_damage(home: Path, tmp_path: Path) -> None:
    from app.services import Services

    with Services(home) as s:
        (s.paths.models / "decoder.safetensors").write_bytes(os.urandom(3_000_000))
    before = dump_db(home / "mnemo.sqlite3")
    dest = tmp_path / "b.zip"
    r = _run_limited(home, 1_000_000, "backup", str(dest))
    assert r.returncode == 2 and "Free some disk space" in r.stderr and "Traceback" not in r.stderr, r.stderr[-3000:]
    assert not dest.exists() and not Path(str(dest) + ".partial").exists()
    assert not (home / ".backup-tmp").exists()
    assert dump_db(home / "mnemo.sqlite3") == before
    ok = run_cli(home, "backup", str(dest))
    assert ok.returncode == 0 and verify_backup(dest).members
