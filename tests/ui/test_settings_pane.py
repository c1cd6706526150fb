"""Settings pane: rendered from the schema, invalid input inline, Apply saves all-or-nothing and reloads the model."""
from __future__ import annotations

import json


def test_every_setting_is_rendered_with_title_and_description(qtbot, window, ui_services):
    pane = window.show_pane("Settings")
    infos = ui_services.settings_store.list()
    assert set(pane.editors) == {i.key for i in infos}
    assert pane.sections.count() == len({i.key.split(".")[0] for i in infos})
    from PySide6.QtWidgets import QLabel

    texts = " ".join(l.text() for l in pane.findChildren(QLabel))
    for info in infos:
        assert info.title in texts and info.description in texts


def test_invalid_value_is_explained_inline_and_blocks_apply(qtbot, window, ui_services):
    pane = window.show_pane("Settings")
    pane.set_value("model.n_ctx", "12")
    error = pane.errors["model.n_ctx"]
    assert error.isVisibleTo(pane) and "512" in error.text() and "131072" in error.text()
    assert not pane.apply_button.isEnabled()
    pane.set_value("generation.temperature", "0.3")   # a valid change elsewhere still cannot be applied
    assert not pane.apply_button.isEnabled() and "to fix" in pane.status.text()
    pane.set_value("model.n_ctx", "2048")
    assert not error.isVisibleTo(pane) and pane.apply_button.isEnabled()
    pane.revert()
    assert pane.editors["model.n_ctx"].raw() == str(ui_services.settings.model.n_ctx)
    assert not pane.apply_button.isEnabled()


def test_apply_saves_and_reports(qtbot, window, ui_services):
    pane = window.show_pane("Settings")
    pane.set_value("generation.temperature", "0.3")
    pane.set_value("documents.watched_folders", "/tmp/a, /tmp/b")
    assert "2 changes" in pane.status.text()
    with qtbot.waitSignal(pane.applied, timeout=10_000) as blocker:
        pane.apply_button.click()
    assert blocker.args[0] == {"generation.temperature", "documents.watched_folders"}
    saved = json.loads(ui_services.paths.settings.read_text())
    assert saved["generation"]["temperature"] == 0.3
    assert saved["documents"]["watched_folders"] == ["/tmp/a", "/tmp/b"]
    assert "Settings saved" in window.message_bar.title.text()
    assert not pane.apply_button.isEnabled()


def test_model_change_reloads_the_model_in_the_background(qtbot, services):
    """A model setting applied: the old model is closed and the new one loads while the GUI runs."""
    from ui.main_window import MainWindow

    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.model_status.state == "ready", timeout=60_000)
    first = services.llm
    pane = w.show_pane("Settings")
    pane.set_value("model.n_ctx", "1024")
    pane.apply()
    qtbot.waitUntil(lambda: w.model_status.state == "loading", timeout=10_000)
    qtbot.waitUntil(lambda: w.model_status.state == "ready", timeout=60_000)
    assert services.llm is not first and services.llm.info.n_ctx == 1024
    w.shutdown()


def test_values_changed_elsewhere_show_up_when_the_pane_is_shown(qtbot, window, ui_services):
    pane = window.show_pane("Settings")
    window.show_pane("Chat")
    ui_services.settings_store.set("decoder.alpha", 0.25)
    window.show_pane("Settings")
    assert pane.editors["decoder.alpha"].raw() == "0.25"


def test_a_changed_embedder_is_announced_and_reembedded_with_progress(qtbot, window, ui_services, tmp_path):
    from tests.fakes import FakeEmbedder

    note = tmp_path / "trip.md"
    note.write_text("We stayed in a small hotel in Porto last spring, near the river.", encoding="utf-8")
    ui_services.documents.import_paths([note])
    pane = window.show_pane("Settings")
    checks: list[int] = []
    real_check = pane.reembed.check
    pane.reembed.check = lambda: checks.append(1)            # applying the embedder setting asks for a check
    pane.set_value("model.embedder_path", str(tmp_path / "another-embedder"))
    with qtbot.waitSignal(pane.applied, timeout=10_000):
        pane.apply_button.click()
    assert checks
    ui_services.set_embedder(FakeEmbedder(dim=64, name="another"))   # what that folder would load
    pane.reembed.check = real_check
    pane.reembed.check()
    qtbot.waitUntil(lambda: pane.reembed.isVisible(), timeout=30_000)
    assert "document passages" in pane.reembed.label.text() and "another (64 wide)" in pane.reembed.label.text()
    with qtbot.waitSignal(pane.reembed.finished, timeout=60_000) as done:
        pane.reembed.start_button.click()
    assert done.args[0] is not None and not pane.reembed.isVisible()
    assert ui_services.documents.search("hotel in Porto", k=3)   # searches the new vectors, no error
