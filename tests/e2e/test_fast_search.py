"""Search through the ONNX query embedder ranks as the torch one does, and ``mnemo search`` then never loads torch.

A persona's documents are imported and searched with the torch embedder (what every search
did before), then searched again in the same data folder once the ONNX graph is in its
models folder, which is what ``Services.embedder`` (``models.dual_embedder.DualEmbedder``) uses
for queries. Both must give the same top ten for every question of the persona.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.services import Services
from models.dual_embedder import DualEmbedder

REPO = Path(__file__).resolve().parents[2]
FIONA = REPO / "tests" / "fixtures" / "personas" / "fiona-en"
QUESTIONS = [line.split("\t")[0] for line in (FIONA / "questions.tsv").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def searched_with_torch(tmp_path_factory, shared_embedder) -> tuple[Path, dict[str, list[int]]]:
    home = tmp_path_factory.mktemp("fast-search") / "home"
    with Services(home) as s:
        s.set_embedder(shared_embedder)  # torch: how every query was embedded before
        report = s.documents.import_paths([FIONA / "docs"])
        assert len(report.imported) >= 5
        top = {q: [h.chunk_id for h in s.documents.search(q, k=10)] for q in QUESTIONS}
    return home, top


def _install_graph(home: Path, graph: Path) -> None:
    folder = home / "models" / "onnx"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(graph, folder / graph.name)


def test_onnx_queries_rank_as_torch_queries(searched_with_torch, onnx_graph):
    home, torch_top = searched_with_torch
    _install_graph(home, onnx_graph)
    with Services(home) as s:
        emb = s.embedder
        assert isinstance(emb, DualEmbedder) and emb.fast() is not None, emb
        assert "ONNX" in s.prepare_fast_queries()
        onnx_top = {q: [h.chunk_id for h in s.documents.search(q, k=10)] for q in QUESTIONS}
    differ = {q: (torch_top[q], onnx_top[q]) for q in QUESTIONS if onnx_top[q] != torch_top[q]}
    assert not differ, differ
    assert sum(bool(v) for v in onnx_top.values()) >= len(QUESTIONS) // 2  # the questions do find passages


def test_mnemo_search_does_not_load_torch(searched_with_torch, onnx_graph):
    home, _ = searched_with_torch
    _install_graph(home, onnx_graph)
    code = ("import sys\nfrom app.cli.main import main\nrc = main(['search', 'Which day is bin collection?'])\n"
            "print('LOADED', 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\nsys.exit(rc)")
    env = {**os.environ, "MNEMO_HOME": str(home), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "LOADED False False" in r.stdout, r.stdout + r.stderr
    assert " 1. " in r.stdout  # a ranked passage was printed


def test_damaged_graph_falls_back_to_torch(tmp_path, onnx_graph, shared_embedder):
    cache = tmp_path / "onnx"
    cache.mkdir()
    (cache / onnx_graph.name).write_bytes(onnx_graph.read_bytes()[:4096])  # a cut copy
    emb = DualEmbedder(None, cache)
    emb.torch = shared_embedder  # one torch model for the session
    vec = emb.embed(["When is the dentist appointment?"])
    assert vec.shape == (1, 384)
    assert emb.fast_refused and "torch" in emb.fast_status
    ref = shared_embedder.embed(["When is the dentist appointment?"])
    assert float((vec * ref).sum()) > 0.9999


def test_graph_is_made_once_and_then_used(tmp_path, onnx_graph, shared_embedder, monkeypatch):
    cache = tmp_path / "onnx"
    emb = DualEmbedder(None, cache)
    emb.torch = shared_embedder
    assert emb.fast() is None and not emb.fast_refused
    made: list[Path] = []

    def fake_export(model_dir, out, *a, **k):  # the real export is tested in tests/models/test_onnx_embedder.py
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(onnx_graph, out)
        made.append(out)
        return out

    monkeypatch.setattr("models.onnx_export.export_onnx", fake_export)
    path = emb.ensure_fast()
    assert path is not None and path.exists() and made == [path]
    assert emb.ensure_fast() == path and len(made) == 1  # not made again
    assert "ONNX" in emb.fast_status
    a = emb.embed(["Where do I work?"])
    b = shared_embedder.embed(["Where do I work?"])
    assert float((a * b).sum()) >= 0.999
