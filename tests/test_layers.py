"""Layers: importing core and models never brings in Qt."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_core_and_models_import_without_qt():
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
