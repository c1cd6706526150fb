"""Backup and restore: a round trip reproduces the data; bad files and full disks are refused safely."""
from __future__ import annotations

import errno
import json
import zipfile
from pathlib import Path

import pytest

from core.backup import BackupInvalid, create_backup, restore_backup, verify_backup
from core.errors import MnemoError, StorageError
from tests.core.backup_helpers import dump_db, fill


def test_round_trip_while_app_holds_the_folder_and_after(services, tmp_path: Path) -> None:
    data = fill(services)
    # The app (this Services) holds the lock: online SQLite backup, vectors left for a rebuild.
    live = create_backup(services.paths.home, tmp_path / "live.zip")
    assert not live.locked and live.manifest.vectors == "rebuild"
    assert not any(m.path.startswith("data/vectors/") for m in live.manifest.members)
    services.close()
    quiet = create_backup(services.paths.home, tmp_path / "quiet.zip")
    assert quiet.locked and quiet.manifest.vectors == "copied"
    names = {m.path for m in quiet.manifest.members}
    assert {"data/mnemo.sqlite3", "data/settings.json", "data/models/reranker.safetensors"} <= names
    assert not any(n.startswith(("data/logs/", "data/mnemo.lock")) for n in names)

    original = dump_db(services.paths.db)
    for name in ("live", "quiet"):
        res = restore_backup(tmp_path / f"{name}.zip", tmp_path / f"restored-{name}")
        home = res.home
        assert dump_db(home / "mnemo.sqlite3") == original
        assert (home / "models/reranker.safetensors").read_bytes() == b"\x00weights" * 1000
        assert json.loads((home / "settings.json").read_text())["generation"]["temperature"] == 0.3
        assert (home.stat().st_mode & 0o777) == 0o700
        assert res.vectors_need_rebuild == (name == "live")

    from app.services import Services

    with Services(tmp_path / "restored-quiet") as s:
        hits = s.vectors.query("memories", data["embeddings"][2], 1)
        assert hits[0].id == "3" and s.vectors.count("memories") == 8
        conv = s.conversations.get(data["conversations"][1])
        msgs = s.conversations.messages(conv.id)
        assert msgs[-1].meta["sources"][0]["source"] == "notes/trip1.md:3"
        assert s.settings.generation.temperature == 0.3


def test_secrets_only_with_flag_and_encrypted(services, tmp_path: Path) -> None:
    key = services.secrets.get_or_create_fernet_key().decode()
    token = services.secrets.get_or_create("api-token")
    services.close()
    plain = create_backup(services.paths.home, tmp_path / "plain.zip")
    assert not plain.manifest.secrets
    with pytest.raises(MnemoError, match="passphrase"):
        create_backup(services.paths.home, tmp_path / "x.zip", include_secrets=True)
    enc = create_backup(services.paths.home, tmp_path / "enc.zip", include_secrets=True, passphrase="a long passphrase")
    assert set(enc.manifest.secret_names) >= {"fact-key", "api-token"}
    for f in ("plain.zip", "enc.zip"):
        raw = (tmp_path / f).read_bytes()
        with zipfile.ZipFile(tmp_path / f) as zf:
            raw += b"".join(zf.read(n) for n in zf.namelist())
        assert key.encode() not in raw and token.encode() not in raw

    with pytest.raises(MnemoError, match="passphrase"):
        restore_backup(tmp_path / "enc.zip", tmp_path / "r0")
    with pytest.raises(MnemoError, match="does not open"):
        restore_backup(tmp_path / "enc.zip", tmp_path / "r0", passphrase="wrong passphrase!")
    assert not (tmp_path / "r0").exists()
    res = restore_backup(tmp_path / "enc.zip", tmp_path / "r1", passphrase="a long passphrase")
    from core.secrets import SecretStore

    store = SecretStore(res.home)
    assert store.get("fact-key") == key and store.get("api-token") == token


def test_restore_refuses_non_empty_target_and_leaves_it_alone(services, tmp_path: Path) -> None:
    fill(services, 1)
    services.close()
    create_backup(services.paths.home, tmp_path / "b.zip")
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(MnemoError, match="not empty"):
        restore_backup(tmp_path / "b.zip", target)
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert restore_backup(tmp_path / "b.zip", empty).home == empty
    with pytest.raises(MnemoError, match="inside the data folder"):
        create_backup(services.paths.home, services.paths.home / "b.zip")


def _rewrite(src: Path, dst: Path, change) -> None:  # type: ignore[no-untyped-def]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            name, data = change(info.filename, data)
            if name is not None:
                zout.writestr(name, data)


def test_damaged_backups_are_refused_before_anything_is_written(services, tmp_path: Path) -> None:
    fill(services, 2)
    services.close()
    good = tmp_path / "good.zip"
    create_backup(services.paths.home, good)
    assert verify_backup(good).members
    flip = tmp_path / "flip.zip"
    _rewrite(good, flip, lambda n, d: (n, d[:100] + bytes([d[100] ^ 1]) + d[101:]) if n.endswith(".sqlite3") else (n, d))
    slip = tmp_path / "slip.zip"

    def add_evil(n: str, d: bytes):  # type: ignore[no-untyped-def]
        if n == "manifest.json":
            m = json.loads(d)
            m["members"].append({"path": "data/../../evil.txt", "size": 1, "sha256": "0" * 64})
            return n, json.dumps(m).encode()
        return n, d
    _rewrite(good, slip, add_evil)
    with zipfile.ZipFile(slip, "a") as zf:
        zf.writestr("data/../../evil.txt", b"x")
    nomanifest = tmp_path / "nomanifest.zip"
    _rewrite(good, nomanifest, lambda n, d: (None, d) if n == "manifest.json" else (n, d))
    truncated = tmp_path / "trunc.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    notzip = tmp_path / "notzip.zip"
    notzip.write_bytes(b"hello")
    for bad in (flip, slip, nomanifest, truncated, notzip):
        with pytest.raises(BackupInvalid):
            verify_backup(bad)
        with pytest.raises(BackupInvalid):
            restore_backup(bad, tmp_path / f"r-{bad.stem}")
        assert not (tmp_path / f"r-{bad.stem}").exists()
        assert not list(tmp_path.glob(f".r-{bad.stem}.restoring-*"))
    assert not (tmp_path.parent / "evil.txt").exists()


def test_full_disk_during_backup_gives_an_error_and_no_damage(services, tmp_path: Path, monkeypatch) -> None:
    fill(services, 2)
    services.close()
    before = dump_db(services.paths.db)
    written = {"n": 0}
    real_write = zipfile._ZipWriteFile.write  # type: ignore[attr-defined]

    def full(self, data):  # type: ignore[no-untyped-def]
        written["n"] += len(data)
        if written["n"] > 20_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(zipfile._ZipWriteFile, "write", full)  # type: ignore[attr-defined]
    dest = tmp_path / "full.zip"
    with pytest.raises(StorageError, match="No space left on device"):
        create_backup(services.paths.home, dest)
    monkeypatch.undo()
    assert not dest.exists() and not list(tmp_path.glob("*.partial"))
    assert not (services.paths.home / ".backup-tmp").exists()
    assert dump_db(services.paths.db) == before
    from app.services import Services

    with Services(services.paths.home) as s:  # opens: integrity check and migrations pass
        assert len(s.conversations.list()) == 2
    assert create_backup(services.paths.home, dest).path == dest  # and it works once there is space


def test_full_disk_during_restore_leaves_no_half_folder(services, tmp_path: Path, monkeypatch) -> None:
    fill(services, 1)
    services.close()
    create_backup(services.paths.home, tmp_path / "b.zip")
    import core.backup.restore as restore_mod

    real_fsync = restore_mod.os.fsync

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(restore_mod.os, "fsync", no_space)
    with pytest.raises(StorageError, match="disk space"):
        restore_backup(tmp_path / "b.zip", tmp_path / "r")
    monkeypatch.setattr(restore_mod.os, "fsync", real_fsync)
    assert not (tmp_path / "r").exists() and not list(tmp_path.glob(".r.restoring-*"))


def test_sqlite_full_rolls_back_and_keeps_the_database_whole(services) -> None:
    """SQLITE_FULL (what a full disk gives SQLite) mid-transaction: an error, the old rows intact."""
    from sqlalchemy import event

    c = services.conversations.create(title="kept")
    services.conversations.add_message(c.id, "user", "small")
    before = dump_db(services.paths.db)
    services.db.engine.dispose()

    def tiny(dbapi_conn, _rec):  # type: ignore[no-untyped-def]
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + 2}")
    event.listen(services.db.engine, "connect", tiny)
    with pytest.raises(Exception, match="full"):
        with services.db.session() as s:
            from core.store.tables import Message

            for _ in range(50):
                s.add(Message(conversation_id=c.id, role="user", content="x" * 4000))
    event.remove(services.db.engine, "connect", tiny)
    services.db.engine.dispose()
    assert dump_db(services.paths.db) == before


def test_downloaded_models_and_the_onnx_graph_stay_out_of_backups(services, tmp_path: Path) -> None:
    home = services.paths.home
    (home / "models" / "llm").mkdir(parents=True, exist_ok=True)
    (home / "models" / "onnx").mkdir(parents=True, exist_ok=True)
    (home / "models" / "llm" / "big.gguf").write_bytes(b"GGUF" + b"\0" * 1000)
    (home / "models" / "llm" / "registry.json").write_text("{}")
    (home / "models" / "onnx" / "emb-1234.onnx").write_bytes(b"\0" * 1000)
    names = {m.path for m in create_backup(home, tmp_path / "b.zip").manifest.members}
    assert "data/models/llm/registry.json" in names   # says where each model came from
    assert not any(n.endswith((".gguf", ".onnx")) for n in names), names
