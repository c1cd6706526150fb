"""The Models pane with real services: the table of models with their facts, Use, Remove (with its confirm),
a download from a local HTTP server with progress, an offline download, and the memory decoder's tokenizer line."""
from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.core.modelhub_server import FileServer
from tests.models.gguf_helpers import write_tiny_gguf


@pytest.fixture
def pane(qtbot, services):
    from ui.models_pane import ModelsPane

    (services.paths.models / "llm").mkdir()
    write_tiny_gguf(services.paths.models / "llm" / "tiny.gguf")
    p = ModelsPane(services)
    qtbot.addWidget(p)
    assert p.list_job is None   # nothing is read until the pane is shown
    p.on_shown()
    qtbot.waitUntil(lambda: p.list_job is not None and p.list_job.finished, timeout=60_000)
    yield p
    p.shutdown()


def _rows(p) -> dict[str, list[str]]:
    return {p.table.item(r, 1).text(): [p.table.item(r, c).text() for c in range(p.table.columnCount())]
            for r in range(p.table.rowCount())}


def _refreshed(qtbot, p) -> None:
    qtbot.waitUntil(lambda: p.list_job is not None and p.list_job.finished, timeout=60_000)


def test_the_table_shows_each_model_s_facts_and_the_one_in_use(pane) -> None:
    rows = _rows(pane)
    assert list(rows) == ["embedded", "tiny"]
    emb = rows["embedded"]
    assert emb[0] == "●" and emb[2:5] == ["llama", "135M", "Q4_1"] and emb[6] == "8,192" and emb[7] == "yes"
    assert emb[9].startswith("fits") or emb[9].startswith("does not fit")
    assert emb[10] == "a12a6b02d9681c98"
    assert rows["tiny"][0] == "" and rows["tiny"][6] == "256"
    pane.select("embedded")
    assert not pane.use_button.isEnabled() and not pane.remove_button.isEnabled()   # in use, and embedded
    assert "tokenizer hash a12a6b02d9681c98" in pane.details.text()
    assert not pane.decoder_label.isVisibleTo(pane)


def test_use_then_remove_with_its_confirm(qtbot, pane, services, monkeypatch) -> None:
    pane.select("tiny")
    assert pane.use_button.isEnabled()
    pane.use_selected()
    assert services.settings.model.path == str(services.paths.models / "llm" / "tiny.gguf")
    assert services.settings.model.backend == "embedded"
    _refreshed(qtbot, pane)
    assert _rows(pane)["tiny"][0] == "●" and _rows(pane)["embedded"][0] == ""
    pane.select("embedded")
    pane.use_selected()
    _refreshed(qtbot, pane)
    asked: list[str] = []

    def answer(which):  # type: ignore[no-untyped-def]
        def question(parent, title, text, *a, **k):  # type: ignore[no-untyped-def]
            asked.append(text)
            return which
        return question
    pane.select("tiny")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    pane.remove_selected(confirm=True)
    assert (services.paths.models / "llm" / "tiny.gguf").exists() and "deleted from the disk" in asked[0]
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    pane.remove_selected(confirm=True)
    assert not (services.paths.models / "llm" / "tiny.gguf").exists()
    _refreshed(qtbot, pane)
    assert list(_rows(pane)) == ["embedded"]


def test_a_download_shows_progress_and_lands_in_the_table(qtbot, pane, services, tmp_path) -> None:
    data = write_tiny_gguf(tmp_path / "src.gguf", pad_bytes=3_000_000).read_bytes()
    server = FileServer().start()
    try:
        url = server.add("/Tiny-Big.gguf", data, cut_after=1_000_000, cuts=1)
        moved: list[int] = []
        with qtbot.waitSignal(pane.add_finished, timeout=60_000) as done:
            pane.add(url)
            assert pane.progress.isVisibleTo(pane) and not pane.download_button.isEnabled()
            pane.progress.bar.valueChanged.connect(moved.append)
        entry = done.args[0]
        assert not isinstance(entry, BaseException), entry
        assert entry.name == "Tiny-Big" and (services.paths.models / "llm" / "Tiny-Big.gguf").read_bytes() == data
        assert moved and not pane.progress.isVisibleTo(pane) and pane.download_button.isEnabled()
        assert server.requests[-1].get("Range") == "bytes=1000000-"     # resumed after the cut
        _refreshed(qtbot, pane)
        assert "Tiny-Big" in _rows(pane) and "Downloaded Tiny-Big" in pane.status_label.text()
    finally:
        server.stop()


def test_offline_says_so_in_the_pane(qtbot, pane) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with qtbot.waitSignal(pane.add_finished, timeout=30_000) as done:
        pane.add(f"http://127.0.0.1:{port}/m.gguf")
    assert isinstance(done.args[0], Exception)
    assert "you appear to be offline" in pane.status_label.text()


def test_the_decoder_line_when_its_tokenizer_is_another_model_s(qtbot, pane, services) -> None:
    ckpt = services.decoder.checkpoint_dir
    ckpt.mkdir(parents=True, exist_ok=True)
    tiny = services.models.get("tiny")
    (ckpt / "decoder.json").write_text(json.dumps({"tokenizer_hash": tiny.info.tokenizer_hash}))
    pane.refresh()
    _refreshed(qtbot, pane)
    assert pane.decoder_label.isVisibleTo(pane)
    assert pane.decoder_label.text() == ("The memory decoder was trained for another model's tokenizer: retrain it "
                                         "(Memory ▸ Decoder) or switch back to tiny.")
    pane.select("tiny")
    pane.use_selected()
    _refreshed(qtbot, pane)
    assert not pane.decoder_label.isVisibleTo(pane)


def test_the_window_s_models_pane_switches_the_model(qtbot, window) -> None:
    from ui.models_pane import ModelsPane

    p = window.show_pane("Models")
    assert isinstance(p, ModelsPane)
    _refreshed(qtbot, p)
    assert _rows(p)["embedded"][0] == "●"
    changed: list[set[str]] = []
    p.applied.connect(changed.append)
    (window.services.paths.models / "llm").mkdir(exist_ok=True)
    write_tiny_gguf(window.services.paths.models / "llm" / "tiny.gguf")
    p.refresh()
    _refreshed(qtbot, p)
    p.select("tiny")
    p.use_selected()
    assert changed == [{"model.path", "model.backend"}]
    assert window.services.settings.model.path.endswith("tiny.gguf")
    p.select("embedded")
    p.use_selected()


def test_cancel_keeps_the_partial_file_and_the_next_download_resumes(qtbot, pane, services, tmp_path) -> None:
    data = write_tiny_gguf(tmp_path / "src.gguf", pad_bytes=2_000_000).read_bytes()
    server = FileServer().start()
    try:
        url = server.add("/slow.gguf", data, pause_s=0.02)
        with qtbot.waitSignal(pane.add_finished, timeout=60_000) as done:
            pane.add(url)
            qtbot.waitUntil(lambda: pane.progress.bar.value() > 0, timeout=30_000)
            pane.progress.cancel_button.click()
        assert isinstance(done.args[0], Exception) and "kept for a resume" in pane.status_label.text()
        part = services.paths.models / "llm" / "slow.gguf.partial"
        kept = part.stat().st_size
        assert 0 < kept < len(data)
        server.files["/slow.gguf"].pause_s = 0
        _refreshed(qtbot, pane)
        assert pane.resume_row.isVisibleTo(pane) and "slow.gguf.partial" in pane.resume_label.text()
        with qtbot.waitSignal(pane.add_finished, timeout=60_000) as done:
            pane.resume_button.click()
        assert not isinstance(done.args[0], BaseException), done.args[0]
        assert server.requests[-1]["Range"] == f"bytes={kept}-"
        assert (services.paths.models / "llm" / "slow.gguf").read_bytes() == data
        _refreshed(qtbot, pane)
        assert not pane.resume_row.isVisibleTo(pane) and "slow" in _rows(pane)
    finally:
        server.stop()
