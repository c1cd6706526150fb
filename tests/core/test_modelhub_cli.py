"""``mnemo models``: list, add (a download from a local server, a file by path), info, use, remove; and a real
full disk (RLIMIT_FSIZE: writes past the limit fail as on a full disk) that keeps the partial file for a resume."""
from __future__ import annotations

import hashlib
import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli.main import main
from tests.core.modelhub_server import FileServer
from tests.e2e.crash_helpers import REPO, cli_env
from tests.models.gguf_helpers import write_tiny_gguf


@pytest.fixture
def server():
    s = FileServer().start()
    yield s
    s.stop()


def test_list_add_info_use_remove(home: Path, tmp_path: Path, server: FileServer, capsys) -> None:
    data = write_tiny_gguf(tmp_path / "src.gguf", pad_bytes=300_000).read_bytes()
    url = server.add("/dl/Tiny-Q4.gguf", data)
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["NAME", "ARCH", "PARAMS", "QUANT", "FILE", "CONTEXT", "CHAT", "TOKENIZER",
                                       "NEEDS", "FITS"]
    assert out.splitlines()[1].split()[:5] == ["*", "embedded", "llama", "135M", "Q4_1"]
    assert "a12a6b02d9681c98" in out.splitlines()[1]

    assert main(["models", "add", url, "--sha256", hashlib.sha256(data).hexdigest()]) == 0
    captured = capsys.readouterr()
    assert "Downloaded Tiny-Q4" in captured.out and "(sha256 verified)" in captured.out
    assert "download" in captured.err                  # the progress bar (stderr is not a terminal: lines)
    mine = write_tiny_gguf(tmp_path / "mine.gguf", vocab="llama")
    assert main(["models", "add", str(mine), "--name", "mine"]) == 0
    assert "Added mine" in capsys.readouterr().out

    assert main(["models", "list", "--json"]) == 0
    listed = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    assert [listed[n]["kind"] for n in listed] == ["embedded", "downloaded", "added"]
    assert listed["Tiny-Q4"]["origin"] == url and listed["Tiny-Q4"]["fits"]["fits"] is True

    assert main(["models", "info", "mine"]) == 0
    info = capsys.readouterr().out
    assert "tokenizer hash" in info and "context length  256" in info and "KV cache" in info

    assert main(["models", "use", "Tiny-Q4"]) == 0
    assert "Chat model: Tiny-Q4" in capsys.readouterr().out
    settings = json.loads((home / "settings.json").read_text())
    assert settings["model"]["path"].endswith("models/llm/Tiny-Q4.gguf") and settings["model"]["backend"] == "embedded"
    assert main(["models", "remove", "Tiny-Q4"]) == 2
    assert "in use" in capsys.readouterr().err
    assert main(["models", "use", "embedded"]) == 0
    assert main(["models", "remove", "Tiny-Q4"]) == 0 and main(["models", "remove", "mine"]) == 0
    assert mine.exists() and not (home / "models" / "llm" / "Tiny-Q4.gguf").exists()
    assert main(["models", "remove", "embedded"]) == 2
    assert "cannot be removed" in capsys.readouterr().err


def test_offline_and_a_bad_address_are_plain_messages(home: Path, capsys) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["models", "add", f"http://127.0.0.1:{port}/m.gguf"]) == 2
    assert f"Cannot reach 127.0.0.1:{port}: you appear to be offline" in capsys.readouterr().err
    assert main(["models", "add", "http://example.org/m.gguf"]) == 2
    assert "Plain http to example.org is refused" in capsys.readouterr().err


def test_a_full_disk_keeps_the_partial_file_and_the_next_run_resumes(home: Path, tmp_path: Path,
                                                                      server: FileServer) -> None:
    from app.services import Services

    Services(home).close()                       # the data folder exists before the limit applies
    biggest = max(p.stat().st_size for p in home.rglob("*") if p.is_file())
    limit = biggest + 400_000
    data = write_tiny_gguf(tmp_path / "src.gguf", pad_bytes=limit + 600_000).read_bytes()
    url = server.add("/big.gguf", data)

    def pre() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    r = subprocess.run([sys.executable, "-m", "app.cli.main", "models", "add", url, "--quiet"], cwd=REPO,
                       env=cli_env(home), preexec_fn=pre, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr[-3000:]
    assert "The disk is full" in r.stderr and "is kept" in r.stderr and "Traceback" not in r.stderr
    part = home / "models" / "llm" / "big.gguf.partial"
    assert 0 < part.stat().st_size <= limit and data.startswith(part.read_bytes())
    assert not (home / "models" / "llm" / "big.gguf").exists()
    kept = part.stat().st_size
    listed = subprocess.run([sys.executable, "-m", "app.cli.main", "models"], cwd=REPO, env=cli_env(home),
                            capture_output=True, text=True, timeout=300).stdout
    assert f"Unfinished download: {part}" in listed and f"mnemo models add {url}" in listed
    r = subprocess.run([sys.executable, "-m", "app.cli.main", "models", "add", url, "--sha256",
                        hashlib.sha256(data).hexdigest(), "--quiet"], cwd=REPO, env=cli_env(home),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (home / "models" / "llm" / "big.gguf").read_bytes() == data and not part.exists()
    assert server.requests[-1]["Range"] == f"bytes={kept}-"     # resumed where the disk filled up
