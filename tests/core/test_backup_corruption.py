"""Damaged stores are detected with a way out: a corrupt SQLite refuses to open and points to
'mnemo restore'; a damaged Chroma index is reported (even one whose native reader crashes)
and 'mnemo recover' sets it aside and rebuilds, or restores the whole folder from a backup."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from core.backup import create_backup
from core.backup.health import check_folder, check_vectors
from core.errors import StorageError
from tests.core.backup_helpers import dump_db, fill
from tests.e2e.crash_helpers import run_cli


def _segment_dir(vectors: Path) -> Path:
    return next(p for p in vectors.iterdir() if p.is_dir() and (p / "data_level0.bin").exists())


def test_corrupt_sqlite_is_refused_and_recovered_from_the_last_backup(services, tmp_path: Path) -> None:
    fill(services, 2)
    services.close()
    good = dump_db(services.paths.db)
    backup = tmp_path / "last.zip"
    create_backup(services.paths.home, backup)
    db = services.paths.db
    raw = bytearray(db.read_bytes())
    raw[4096:8192] = os.urandom(4096)  # a damaged page in the middle
    db.write_bytes(bytes(raw))
    from app.services import Services

    with pytest.raises(StorageError, match="mnemo restore"):
        Services(services.paths.home)
    doctor = run_cli(services.paths.home, "doctor", "--no-load")
    assert doctor.returncode == 2 and "mnemo restore" in doctor.stderr
    check = run_cli(services.paths.home, "recover")
    assert check.returncode == 1 and "Database: damaged" in check.stdout and "--from" in check.stdout
    rec = run_cli(services.paths.home, "recover", "--from", str(backup))
    assert rec.returncode == 0, rec.stderr
    assert dump_db(db) == good
    aside = list(tmp_path.glob("mnemo-home.damaged-*"))
    assert len(aside) == 1 and (aside[0] / "mnemo.sqlite3").exists()  # never deleted
    assert run_cli(services.paths.home, "doctor", "--no-load").returncode == 0


def test_garbage_chroma_database_is_reported(services) -> None:
    fill(services, 1)
    services.close()
    (services.paths.vectors / "chroma.sqlite3").write_bytes(os.urandom(8192))
    from core.store.vectors import VectorIndex

    with pytest.raises(StorageError, match="could not be opened"):
        VectorIndex(services.paths.vectors).count("memories")
    assert check_vectors(services.paths.vectors).startswith("damaged")


def test_damaged_hnsw_files_are_reported_and_rebuilt(services) -> None:
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(1500, 384)).astype(np.float32)  # over Chroma's sync threshold: HNSW files on disk
    services.vectors.upsert("memories", list(range(1500)), emb)
    services.close()
    assert check_folder(services.paths.home).ok
    seg = _segment_dir(services.paths.vectors)
    f = seg / "data_level0.bin"
    f.write_bytes(os.urandom(f.stat().st_size))
    (seg / "header.bin").write_bytes(os.urandom((seg / "header.bin").stat().st_size))
    health = check_folder(services.paths.home)
    assert health.database == "ok" and health.vectors.startswith("damaged"), health
    out = run_cli(services.paths.home, "recover")
    assert out.returncode == 1 and "mnemo recover --vectors" in out.stdout
    fix = run_cli(services.paths.home, "recover", "--vectors")
    assert fix.returncode == 0, fix.stderr
    assert list(services.paths.home.glob("vectors.damaged-*"))
    assert check_folder(services.paths.home).ok
