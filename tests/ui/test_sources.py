"""Sources under an answer: chips that open the passage; "N other notes shown…" opens what the model was shown."""
from __future__ import annotations

from PySide6.QtCore import Qt

SOURCES = [
    {"n": 1, "kind": "passage", "ref": "chunk:1", "text": "Lesson with Marta every Tuesday at 18:00.", "cited": True,
     "source": "cello.md line 3", "score": 0.9, "meta": {"path": "/tmp/cello.md"}},
    {"n": 2, "kind": "memory", "ref": "memory:4", "text": "Ada practises in the evenings.", "cited": False,
     "source": "chat of 2 May", "score": 0.4, "meta": {}},
    {"n": 3, "kind": "passage", "ref": "chunk:9", "text": "Train from Lisbon at 08:39.", "cited": False,
     "source": "trip.md line 3", "score": 0.3, "meta": {}},
]


def test_chips_open_the_cited_passage_and_the_others_can_be_seen(qtbot, window):
    from ui.widgets.source_dialog import ShownDialog, SourceDialog

    pane = window.show_pane("Chat")
    pane.center.setCurrentWidget(pane.transcript)
    bubble = pane.transcript.add("assistant", "Tuesday at 18:00 [1].", {"sources": SOURCES, "tokens_per_s": 12.5}, 7)
    qtbot.wait(20)
    chips = bubble.footer.chips()
    assert [c.text() for c in chips] == ["[1] cello.md line 3"]
    assert "2 other notes shown to the model, not cited" in bubble.footer.text()
    with qtbot.waitSignal(pane.transcript.source_clicked) as clicked:
        qtbot.mouseClick(chips[0], Qt.MouseButton.LeftButton)
    assert clicked.args == ["src:7:1"]
    opened = [d for d in pane.findChildren(SourceDialog) if d.isVisible()]
    assert opened and opened[-1].source["ref"] == "chunk:1"

    more = [b for b in bubble.footer.findChildren(type(chips[0])) if b.objectName() == "shownLink"][0]
    qtbot.mouseClick(more, Qt.MouseButton.LeftButton)
    shown = [d for d in pane.findChildren(ShownDialog) if d.isVisible()][-1]
    assert shown.list.count() == 3 and "cited" in shown.list.item(0).text()   # the cited one first
    shown.list.setCurrentRow(1)
    assert "evenings" in shown.text.toPlainText()
    before = len(pane.findChildren(SourceDialog))
    shown.open_button.click()
    assert len(pane.findChildren(SourceDialog)) == before + 1
    for d in pane.findChildren(SourceDialog) + [shown]:
        d.close()


def test_long_source_names_wrap_inside_the_bubble(qtbot, window):
    pane = window.show_pane("Chat")
    pane.center.setCurrentWidget(pane.transcript)
    many = [{**SOURCES[0], "n": i, "source": f"a very long folder name/with a long file name number {i}.md line 12"}
            for i in range(1, 6)]
    bubble = pane.transcript.add("assistant", "Five sources.", {"sources": many}, 8)
    qtbot.wait(50)
    assert len(bubble.footer.chips()) == 5
    assert bubble.width() <= pane.transcript.viewport().width()
    assert pane.transcript.horizontalScrollBar().maximum() == 0
    assert all(len(c.text()) <= 40 and c.toolTip().startswith(f"[{c.text()[1]}]") for c in bubble.footer.chips())
