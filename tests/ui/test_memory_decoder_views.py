"""Memories (RMM) and memory-decoder tabs against their real stores/services on a temporary data folder."""
from __future__ import annotations

import pytest


@pytest.fixture
def memory_store(ui_services):
    return ui_services.memory


def test_memories_list_edit_revisions_forget(qtbot, ui_services, memory_store):
    from ui.widgets.memories_view import MemoriesView

    view = MemoriesView(memory_store, ui_services)
    qtbot.addWidget(view)
    assert view.stack.currentIndex() == 0                      # empty state first
    store = memory_store.store
    a = store.add("Ada is learning the cello with Marta.", [], [], None, "2 May 2026")
    store.add("Ada grows tomatoes on her balcony.", [], [], None, "3 May 2026")
    view.refresh()
    assert view.list.count() == 2 and view.stack.currentIndex() == 1
    view.select(a.id)
    assert view.editor.toPlainText().startswith("Ada is learning the cello")
    view.editor.setPlainText("Ada has cello lessons with Marta on Tuesdays.")
    view.save()
    qtbot.waitUntil(lambda: view.job is not None and view.job.finished, timeout=30_000)
    assert memory_store.get(a.id).summary.startswith("Ada has cello lessons")
    view.select(a.id)
    assert "learning the cello" in view.detail.toPlainText()          # the old text is a revision
    view.search.setText("tomatoes")
    assert view.list.count() == 1
    view.search.clear()
    view.select(a.id)
    view.forget_selected(confirm=False)
    assert [m.id for m in memory_store.list()] != [] and a.id not in [m.id for m in memory_store.list()]


def test_decoder_tab_state_alpha_and_refusal(qtbot, ui_services):
    decoder = ui_services.decoder
    from ui.main_window import MainWindow
    from ui.widgets.decoder_view import DecoderView

    w = MainWindow(None)
    qtbot.addWidget(w)
    view = DecoderView(decoder, ui_services)
    w.stack.addWidget(view)
    assert "Not built yet" in view.ds_label.text() and not view.train_button.isEnabled()
    assert not view.enabled.isEnabled()                                      # nothing trained yet
    view.set_alpha(0.35)
    assert ui_services.settings.decoder.alpha == 0.35 and "0.35" in view.alpha_label.text()
    # building with nothing to learn from says what to do
    with qtbot.waitSignal(view.finished, timeout=60_000) as blocker:
        view.build()
    assert isinstance(blocker.args[0], Exception)
    assert w.message_bar.kind == "error" and "nothing to learn from" in w.message_bar.title.text().lower()
    assert view.build_button.isEnabled() and not view.progress.isVisibleTo(view)
