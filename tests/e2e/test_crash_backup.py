"""kill -9 during ``mnemo backup`` and ``mnemo restore``: the data folder opens unchanged, no half
backup carries the real name, no half-restored folder appears, and the next run succeeds."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.backup import restore_backup, verify_backup
from tests.core.backup_helpers import dump_db, fill
from tests.e2e.crash_helpers import kill_at, run_cli


@pytest.fixture
def filled_home(home: Path) -> Path:
    from app.services import Services

    with Services(home) as s:
        fill(s, 5)
        # 24 MB of incompressible weights make the copy phase last long enough to land a kill in it.
        (s.paths.models / "decoder.pt").write_bytes(os.urandom(24_000_000))
        s.secrets.get_or_create("api-token")
    return home


POINTS = [("copying mnemo.sqlite3", 0.0), ("copying models/decoder.pt", 0.05), ("encrypting secrets", 0.0)]
if os.environ.get("MNEMO_CRASH_ALL"):
    POINTS += [("copying models/reranker", 0.0), ("copying vectors/", 0.0), ("copying settings.json", 0.0),
               ("copying models/decoder.pt", 0.3)]


@pytest.mark.parametrize("point,delay", POINTS)
def test_kill_during_backup(filled_home: Path, tmp_path: Path, point: str, delay: float) -> None:
    before = dump_db(filled_home / "mnemo.sqlite3")
    dest = tmp_path / "out" / "b.zip"
    r = kill_at(filled_home, ["backup", str(dest), "--include-secrets"], point, delay=delay,
                MNEMO_BACKUP_PASSPHRASE="correct horse battery")
    assert r.killed, r.output  # the point is a stage every backup goes through
    assert not dest.exists(), r.output  # only FILE.partial may remain, never a half FILE
    assert dump_db(filled_home / "mnemo.sqlite3") == before
    ok = run_cli(filled_home, "doctor", "--no-load")
    assert ok.returncode == 0, ok.stderr  # the folder opens: no stale lock, integrity check passes
    again = run_cli(filled_home, "backup", str(dest))
    assert again.returncode == 0, again.stderr
    assert not (filled_home / ".backup-tmp").exists()
    assert verify_backup(dest).vectors == "copied"


def test_kill_during_restore(filled_home: Path, tmp_path: Path) -> None:
    dest = tmp_path / "b.zip"
    assert run_cli(filled_home, "backup", str(dest)).returncode == 0
    target = tmp_path / "restored"
    r = kill_at(filled_home, ["restore", str(dest), "--home", str(target)], r"restoring models/decoder\.pt", delay=0.05)
    assert r.killed, r.output
    assert not target.exists()  # only the hidden staging folder, which the next restore removes
    res = restore_backup(dest, target)
    assert dump_db(target / "mnemo.sqlite3") == dump_db(filled_home / "mnemo.sqlite3")
    assert not list(tmp_path.glob(".restored.restoring-*")) and res.files > 3
