"""Layers (DESIGN.md): app -> ui -> core -> models; Qt only in ui/ and app/; llama_cpp, torch,
faiss and sentence_transformers only in models/.

import-linter checks these as contracts in pyproject.toml (``make test`` runs it before pytest);
it reads every import statement, the ones inside functions too. The canary test proves the
contracts catch a function-level import of each kind, so a loosened contract fails here.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "ui", "core", "models")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys\nfrom importlinter.cli import lint_imports_command\nsys.exit(lint_imports_command())"
    return subprocess.run([sys.executable, "-c", code, "--no-logo", "--no-cache"], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept():
    out = _lint_imports(REPO)
    assert out.returncode == 0, out.stdout + out.stderr
    kept = re.search(r"Contracts: (\d+) kept, 0 broken", out.stdout)
    assert kept and int(kept.group(1)) >= 3, out.stdout


def test_contracts_catch_function_level_imports(tmp_path):
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    for top in PACKAGES:
        shutil.copytree(REPO / top, tmp_path / top, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    (tmp_path / "core" / "zz_canary.py").write_text(
        "def upward():\n    from ui import theme\n\n"
        "def qt():\n    from PySide6 import QtCore\n\n"
        "def heavy():\n    import torch\n")
    (tmp_path / "models" / "zz_canary.py").write_text("def qt():\n    import shiboken6\n")
    (tmp_path / "ui" / "zz_canary.py").write_text("def heavy():\n    import faiss\n    import sentence_transformers\n")
    (tmp_path / "app" / "zz_canary.py").write_text("def heavy():\n    import llama_cpp\n")
    out = _lint_imports(tmp_path)
    assert out.returncode != 0, out.stdout
    for line in ("core.zz_canary -> ui.theme", "core.zz_canary -> PySide6", "core.zz_canary -> torch",
                 "models.zz_canary -> shiboken6", "ui.zz_canary -> faiss", "ui.zz_canary -> sentence_transformers",
                 "app.zz_canary -> llama_cpp"):
        assert line in out.stdout, (line, out.stdout)


def test_core_and_models_import_without_qt():
    """At run time too: importing every module of core and models loads no Qt (nor does a library they use)."""
    mods = []
    for top in ("core", "models"):
        for p in (REPO / top).rglob("*.py"):
            rel = p.relative_to(REPO).with_suffix("")
            if "migrations" in rel.parts:
                continue
            mods.append(".".join(rel.parts).removesuffix(".__init__"))
    code = "import sys\n" + "".join(f"import {m}\n" for m in sorted(mods)) + \
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'PyQt', 'shiboken'))]\nassert not bad, bad\nprint(len(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_network_guard_is_active():
    import socket

    import pytest

    from tests.conftest import NetworkBlocked

    with pytest.raises(NetworkBlocked):
        socket.create_connection(("93.184.216.34", 80), timeout=1)
