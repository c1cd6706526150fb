"""End to end: the CLI on the embedded model, with no configuration and no download."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def mnemo(home: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MNEMO_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    return subprocess.run([sys.executable, "-m", "app.cli.main", *args], cwd=REPO, env=env, input=input,
                          capture_output=True, text=True, timeout=300)


def test_one_shot_chat_is_answered_and_stored(tmp_path):
    home = tmp_path / "h"
    r = mnemo(home, "chat", "-m", "Hi, I'm Ada")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()
    r = mnemo(home, "chat", "--list")
    assert "Hi, I'm Ada" in r.stdout
    r = mnemo(home, "chat", "--show", "1")
    assert "You: Hi, I'm Ada" in r.stdout and "Mnemo:" in r.stdout


def test_interactive_session(tmp_path):
    r = mnemo(tmp_path / "h", "chat", input="Hello there\n\n")
    assert r.returncode == 0, r.stderr
    assert "mnemo>" in r.stdout and "saved" in r.stdout


def test_settings_cli_refuses_bad_value_and_keeps_file(tmp_path):
    home = tmp_path / "h"
    assert mnemo(home, "settings", "set", "generation.temperature", "0.3").returncode == 0
    before = (home / "settings.json").read_text()
    r = mnemo(home, "settings", "set", "generation.temperature", "7")
    assert r.returncode == 2 and "between 0 and 2" in r.stderr
    assert (home / "settings.json").read_text() == before
    assert mnemo(home, "settings", "get", "generation.temperature").stdout.strip() == "0.3"
    assert "retrieval.top_k" in mnemo(home, "settings", "list").stdout


def test_wrong_model_file_is_a_clear_cli_error(tmp_path):
    home = tmp_path / "h"
    bad = tmp_path / "notes.gguf"
    bad.write_text("just some text")
    assert mnemo(home, "settings", "set", "model.path", str(bad)).returncode == 0
    r = mnemo(home, "chat", "-m", "hello")
    assert r.returncode == 2 and "not a GGUF" in r.stderr and str(bad) in r.stderr
    assert "Traceback" not in r.stderr


def test_doctor_reports_model_keyring_and_offload(tmp_path):
    r = mnemo(tmp_path / "h", "doctor")
    assert r.returncode == 0, r.stdout + r.stderr
    for needle in ("vocabulary 49152", "GPU offload in this llama.cpp build", "offloaded", "Keyring: file fallback",
                   "WARNING: No OS keyring", "Embedder", "dimension 384"):
        assert needle in r.stdout, needle


def test_what_the_user_said_answers_the_next_chat_from_the_profile(tmp_path):
    """Issue 16: "Hi, I'm Priya and I live in Leeds. I work as a nurse." and then, in a new chat, the stored
    values with their source, on the embedded model; never an invented phone number."""
    home = tmp_path / "h"
    r = mnemo(home, "chat", "-m", "Hi, I'm Priya Sharma and I live in Leeds. I work as a nurse.")
    assert r.returncode == 0, r.stderr
    r = mnemo(home, "chat", "-m", "Where do I live and what is my job?")
    assert r.returncode == 0, r.stderr
    assert "Leeds [1]" in r.stdout and "nurse [2]" in r.stdout and "Sources:" in r.stdout and "chat 1" in r.stdout
    r = mnemo(home, "chat", "-m", "When is my birthday and what's my phone number?")
    assert r.returncode == 0, r.stderr
    assert "I don't find your birthday or your phone number in your notes." in r.stdout
