"""Chat pane with the embedded model: streaming answer, Stop, conversation list, rename, delete, export."""
from __future__ import annotations

import time

from core.chat.context import ContextItem, PreparedContext
from tests.fakes import FakeChatModel

# A checked draft that cites its note, sentence after sentence (the embedded model's own drafts rarely cite,
# and an answer to a question that does not cite is replaced by the quote: that path is tested elsewhere).
CITED = ("Ada lives in Lisbon [1]. She has lived there for a while [1]. Lisbon is where her notes say she lives [1]. "
         "That is all the notes say about it [1].")


class Notes:
    """A context provider with one passage, so the answer has a source to show."""

    def prepare(self, query, history, conversation_id):
        return PreparedContext(items=[ContextItem("passage", "chunk:1", "Ada lives in Lisbon.", "notes.md line 3",
                                                  0.9, {"path": "/tmp/notes.md"})])

    def feedback(self, prepared, shown, cited):
        pass


def _paced(send, seconds):
    """``chat.send`` with each token handed on ``seconds`` late (on the worker thread): a fast model cannot
    finish the whole answer between two repaints of the transcript, so the partial answer is observable."""
    def paced_send(*args, on_token=None, **kwargs):
        def token(piece):
            time.sleep(seconds)
            on_token(piece)
        return send(*args, on_token=token if on_token is not None else None, **kwargs)
    return paced_send


def test_answer_streams_with_sources_while_the_gui_stays_responsive(qtbot, window, ui_services, gap_meter,
                                                                   monkeypatch):
    ui_services.chat.providers = [Notes()]
    ui_services.set_llm(FakeChatModel(CITED, by_words=True))
    monkeypatch.setattr(ui_services.chat, "send", _paced(ui_services.chat.send, 0.03))
    pane = window.show_pane("Chat")
    finished = []
    pane.answer_finished.connect(finished.append)
    shown = []   # the streaming bubble's text while the answer was still coming

    def partial_shown() -> bool:
        bubble = pane.transcript.streaming
        text = bubble.body.text() if bubble is not None else ""
        if not finished and text.endswith(" ▍") and text.removesuffix(" ▍").strip():
            shown.append(text.removesuffix(" ▍"))
        return bool(shown)

    with qtbot.waitSignal(pane.answer_finished, timeout=60_000) as blocker:
        pane.send("Where does Ada live?")
        gap_meter.watch(lambda: pane.job is not None and pane.job.running)
        assert pane.stop_button.isVisibleTo(pane) and not pane.send_button.isVisibleTo(pane)
        qtbot.waitUntil(partial_shown, timeout=30_000)
    reply = blocker.args[0]
    assert reply.text and not reply.cancelled
    # tokens were on screen before the end: a strict, non-empty prefix of everything the model streamed
    streamed = pane.transcript.streamed_text
    assert streamed.startswith(shown[0]) and len(shown[0]) < len(streamed)
    gap_meter.check()
    bubbles = pane.transcript.bubbles
    assert [b.role for b in bubbles] == ["user", "assistant"]
    assert bubbles[-1].body.text() == reply.text
    assert "tokens/s" in window.model_status.speed.text()
    assert pane.send_button.isVisibleTo(pane)
    assert pane.list.count() == 1 and pane.list.item(0).text().startswith("Where does Ada live")
    assert pane.rename_button.isEnabled()
    # the source: listed under the answer (cited or not) and opened in a dialog
    footer = bubbles[-1].footer.text()
    assert ("notes.md line 3" in footer) if reply.sources[0]["cited"] else ("1 other note shown" in footer)
    link = f"src:{reply.message_id}:1"
    assert pane.find_source(link)["text"] == "Ada lives in Lisbon."
    pane.open_source(link)
    from PySide6.QtWidgets import QLabel

    from ui.widgets.source_dialog import SourceDialog

    dialog = pane.findChildren(SourceDialog)[0]
    assert "notes.md line 3" in dialog.findChildren(QLabel)[0].text()
    assert any(b.text().startswith("Open document") for b in dialog.findChildren(__import__("PySide6.QtWidgets").QtWidgets.QPushButton))
    dialog.close()


def test_stop_keeps_the_partial_answer(qtbot, window, ui_services, monkeypatch):
    ui_services.chat.providers = [Notes()]
    ui_services.set_llm(FakeChatModel(" ".join([CITED] * 20), by_words=True))
    monkeypatch.setattr(ui_services.chat, "send", _paced(ui_services.chat.send, 0.05))
    pane = window.show_pane("Chat")
    with qtbot.waitSignal(pane.answer_finished, timeout=60_000) as blocker:
        pane.send("Where does Ada live?")
        qtbot.waitUntil(lambda: len(pane.transcript.streamed_text) > 5, timeout=30_000)
        qtbot.mouseClick(pane.stop_button, __import__("PySide6.QtCore").QtCore.Qt.MouseButton.LeftButton)
    reply = blocker.args[0]
    assert reply.cancelled
    stored = ui_services.conversations.messages(reply.conversation_id)
    assert stored[-1].meta["cancelled"] is True and stored[-1].content
    assert "stopped" in pane.transcript.bubbles[-1].footer.text()


def test_search_rename_export_delete(qtbot, window, ui_services, tmp_path):
    store = ui_services.conversations
    a = store.create().id
    store.add_message(a, "user", "Plans for the garden: tomatoes")
    b = store.create().id
    store.add_message(b, "user", "Tax return questions")
    pane = window.show_pane("Chat")
    pane.refresh_list()
    assert pane.list.count() == 2
    pane.search.setText("tomatoes")
    qtbot.waitUntil(lambda: pane.list.count() == 1, timeout=3000)
    pane.list.setCurrentRow(0)
    assert pane.conversation_id == a and pane.title.text().startswith("Plans for the garden")
    pane.rename_current("Garden")
    assert store.get(a).title == "Garden" and pane.title.text() == "Garden"
    out = pane.export_conversation(tmp_path / "garden.md")
    assert out.read_text().startswith("# Garden") and "tomatoes" in out.read_text()
    pane.search.setText("nothing matches this")
    qtbot.waitUntil(lambda: pane.list_empty.isVisibleTo(pane), timeout=3000)
    assert "nothing matches this" in pane.list_empty.text()
    pane.search.clear()
    pane.delete_current(confirm=False)
    assert [c.id for c in store.list()] == [b]
    assert pane.conversation_id is None and pane.center.currentWidget() is pane.empty
