"""The timeline tab: real facts, memories and imports; the kind switches and the word filter; opening an event."""
from __future__ import annotations

from core.insights.timeline import timeline


def _seeded(services, shared_embedder, tmp_path):
    services.set_embedder(shared_embedder)
    for name, text in (("house.txt", "The boiler in the cellar was serviced in March by Hamish."),
                       ("garden.md", "# Garden\nPlanted leeks and kale on the allotment in April.")):
        (tmp_path / name).write_text(text + "\n", encoding="utf-8")
    services.documents.import_paths([tmp_path / "house.txt", tmp_path / "garden.md"])
    mem = services.memory.store.add("Fiona sings alto in the Leith choir.", ["msg:1"], ["User: I sing alto"], 4,
                                    "2 May 2025")
    services.persona.facts.set("email", "fiona@example.org", source="contacts.csv")
    return mem


def _view(qtbot, services):
    from ui.widgets.timeline import TimelineView

    view = TimelineView(lambda: timeline(services.memory.store.db, services.persona.facts))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    job = view.refresh()
    qtbot.waitUntil(lambda: job.finished, timeout=30_000)
    return view


def test_filters_by_kind_and_words(qtbot, services, shared_embedder, tmp_path) -> None:
    mem = _seeded(services, shared_embedder, tmp_path)
    view = _view(qtbot, services)
    assert view.stack.currentIndex() == 1
    assert view.list.topLevelItemCount() == 4 and len(view.scatter.points()) == 4
    assert "4 of 4 events: 1 facts, 1 memories, 2 imports" in view.summary.text()
    view.kind_boxes["import"].setChecked(False)
    assert {e.kind for e in view.shown} == {"fact", "memory"} and len(view.scatter.points()) == 2
    view.kind_boxes["fact"].setChecked(False)
    assert [e.ref for e in view.shown] == [f"memory:{mem.id}"]
    view.kind_boxes["import"].setChecked(True)
    view.search.setText("garden")
    assert [e.title for e in view.shown] == ["garden.md"] and view.list.topLevelItemCount() == 1
    assert view.list.topLevelItem(0).text(3).endswith("garden.md")     # the source column: the file
    view.search.setText("no such words")
    assert view.shown == [] and len(view.scatter.points()) == 0
    view.search.clear()
    for box in view.kind_boxes.values():
        box.setChecked(True)
    assert len(view.shown) == 4


def test_opening_a_memory_or_fact_asks_the_memory_pane(qtbot, services, shared_embedder, tmp_path) -> None:
    mem = _seeded(services, shared_embedder, tmp_path)
    view = _view(qtbot, services)
    asked: list[str] = []
    view.show_in_memory.connect(asked.append)
    for i, e in enumerate(view.shown):
        if e.kind in ("memory", "fact"):
            view.open_event(i)
    assert sorted(asked) == ["fact:email", f"memory:{mem.id}"]
    view.select(2)
    assert view.list.currentItem() is view.list.topLevelItem(2)


def test_empty_folder(qtbot, services) -> None:
    view = _view(qtbot, services)
    assert view.stack.currentWidget() is view.empty and view.shown == []
