"""A quick command builds and imports only what it uses, and ``mnemo`` exits at once, as a normal exit would.

``Services`` builds its features on first use: a search builds the documents' alone, and an
import through them still reaches the persona (built at the first change, and told of it).
``app.cli.main.run`` skips the interpreter's teardown but joins threads, runs ``atexit``
handlers, flushes output and keeps the exit code.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.services import Services

REPO = Path(__file__).resolve().parents[2]
FIONA = REPO / "tests" / "fixtures" / "personas" / "fiona-en"


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "MNEMO_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def test_exit_now_keeps_the_code_threads_atexit_and_output(tmp_path):
    code = f"""
import atexit, sys, threading, time
from pathlib import Path
out = Path({str(tmp_path)!r})
atexit.register(lambda: (out / "atexit").write_text("ran"))
def late():
    time.sleep(0.3)
    (out / "thread").write_text("joined")
threading.Thread(target=late).start()
import app.cli.main as m
m.main = lambda: (sys.stdout.write("no newline at the end"), 3)[1]
m.run()
print("never reached")
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    assert r.stdout == "no newline at the end"
    assert (tmp_path / "atexit").read_text() == "ran"
    assert (tmp_path / "thread").read_text() == "joined"


def test_help_through_the_program_exits_0(tmp_path):
    r = subprocess.run([sys.executable, "-m", "app.cli.main", "--help"], cwd=REPO, env=_env(tmp_path / "home"),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "usage: mnemo" in r.stdout, r.stderr


def test_settings_load_and_check_values_without_pydantic(tmp_path):
    code = ("import sys\nfrom core.settings import SettingsStore\nfrom core.errors import SettingsError\n"
            f"s = SettingsStore(__import__('pathlib').Path({str(tmp_path / 'settings.json')!r}))\n"
            "s.set('retrieval.top_k', '30')\n"
            "try:\n    s.set('retrieval.top_k', '5000')\nexcept SettingsError as e:\n    print('REFUSED', e)\n"
            "print('PYDANTIC', 'pydantic' in sys.modules, 'pydantic_core' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "REFUSED Invalid value '5000' for 'retrieval.top_k'" in r.stdout and "PYDANTIC False False" in r.stdout


@pytest.mark.slow
def test_search_builds_only_documents_and_an_import_reaches_the_persona(tmp_path, shared_embedder):
    home = tmp_path / "home"
    with Services(home) as s:
        s.set_embedder(shared_embedder)
        report = s.documents.import_paths([FIONA / "docs"])  # the first thing used: only documents are built
        assert len(report.imported) >= 5
        assert s.persona.flush(300)
        owner = s.persona.facts.get("name")
        assert owner is not None and owner.value == "Fiona MacAllister"
        assert s.persona.facts.get("email") is not None
    code = ("import sys\nfrom app.cli.main import main\nrc = main(['search', 'Which day is bin collection?'])\n"
            "print('LOADED', *(m in sys.modules for m in ('core.chat.service', 'core.persona.facts', "
            "'core.memory.service', 'core.autofill', 'sqlmodel', 'sqlalchemy', 'keyring', 'pydantic')))\nsys.exit(rc)")
    env = {**_env(home), "MNEMO_ONNX_EXPORT": "0"}
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    # nor SQLAlchemy, keyring, pydantic (the settings schema is dataclasses: core/settings/fields.py)
    assert "LOADED False False False False False False False False" in r.stdout, r.stdout + r.stderr
    assert " 1. " in r.stdout
