"""kill -9 during ``mnemo decoder train`` right after each atomic file write (``os.replace``: the
resume state after an epoch, the weights, the record): the data folder opens, ``decoder status``
reports, an interrupted run resumes with ``--resume``, and an earlier checkpoint stays usable.
The default run tries one point; MNEMO_CRASH_ALL=1 tries every write of a fresh and a repeated run."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.crash_helpers import count_sql, kill_after_replace, run_cli

TOPICS = ["my garden in Lisbon", "piano lessons with Marta", "the dentist on Fridays", "hiking the Douro valley"]


@pytest.fixture(scope="module")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with a few conversations and a built datastore (no checkpoint yet)."""
    home = tmp_path_factory.mktemp("decoder") / "home"
    from app.services import Services

    with Services(home) as s:
        for t in TOPICS:
            c = s.conversations.create(title=t)
            s.conversations.add_message(c.id, "user", f"Tell me again about {t}; it was lovely in spring.")
            s.conversations.add_message(c.id, "assistant", f"You told me {t} matters to you and was lovely in spring.")
        s.settings_store.set("decoder.epochs", 2)
        s.settings_store.set("decoder.window", 64)
        persona = getattr(s, "persona", None)
        if persona is not None:
            persona.flush()
    r = run_cli(home, "decoder", "build", timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return home


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


def _assert_usable(home: Path, expect_checkpoint: bool) -> str:
    st = run_cli(home, "decoder", "status")
    assert st.returncode == 0, st.stderr[-3000:]
    if expect_checkpoint:
        assert "checkpoint: none" not in st.stdout, st.stdout
        en = run_cli(home, "decoder", "enable")
        assert en.returncode == 0, en.stdout + en.stderr[-3000:]
    return st.stdout


def _points(first: list[int]) -> list[int]:
    return list(range(1, 5)) if os.environ.get("MNEMO_CRASH_ALL") else first


@pytest.mark.parametrize("n", _points([1]))
def test_kill_during_first_training_then_resume(built_home: Path, tmp_path: Path, n: int) -> None:
    home = _copy(built_home, tmp_path / "home")
    r = kill_after_replace(home, ["decoder", "train"], n)
    if r.returncode != -9:
        pytest.skip(f"training made fewer than {n} atomic writes")
    status = _assert_usable(home, expect_checkpoint=False)
    args = ["decoder", "train", "--resume"] if "--resume" in status else ["decoder", "train"]
    done = run_cli(home, *args, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    _assert_usable(home, expect_checkpoint=True)


@pytest.mark.skipif(not os.environ.get("MNEMO_CRASH_ALL"), reason="slow: set MNEMO_CRASH_ALL=1")
@pytest.mark.parametrize("n", _points([3]))
def test_kill_while_retraining_keeps_a_usable_checkpoint(built_home: Path, tmp_path: Path, n: int) -> None:
    home = _copy(built_home, tmp_path / "home")
    first = run_cli(home, "decoder", "train", timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    r = kill_after_replace(home, ["decoder", "train"], n)
    if r.returncode != -9:
        pytest.skip(f"training made fewer than {n} atomic writes")
    _assert_usable(home, expect_checkpoint=True)
    assert run_cli(home, "doctor", "--no-load").returncode == 0


@pytest.mark.skipif(not os.environ.get("MNEMO_CRASH_ALL"), reason="slow: set MNEMO_CRASH_ALL=1")
def test_training_writes_files_only_by_atomic_replace(built_home: Path, tmp_path: Path) -> None:
    """The crash points above are all of them: training changes the folder only through os.replace."""
    home = _copy(built_home, tmp_path / "home")
    n = count_sql(home, ["decoder", "train"], what="REPLACECOUNT", timeout=600)
    assert n >= 3  # resume state per epoch, weights, record
    leftovers = [p for p in (home / "models").rglob("*.tmp")]
    assert leftovers == []
