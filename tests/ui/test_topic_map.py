"""The topic map tab: a few hundred real points drawn (the time printed), a click opens the item,
"Show in Memory" reaches the Memories tab."""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt

from core.insights.topic_map import topic_map
from tests.core.test_insights_topic_map import _seed

SUBJECTS = ["the garden", "the sourdough", "my bike", "the boiler", "our holiday in Skye", "the choir", "work at the lab",
            "my sister Isla", "the allotment", "the car insurance"]
VERBS = ["needs", "was talked about with", "reminded me of", "took most of", "is planned around", "went well with"]
WHEN = ["on Monday", "last weekend", "in March", "before the trip", "after the concert"]


def _many_memories(services, n: int) -> None:
    rng = np.random.default_rng(1)
    items = []
    for i in range(n):
        a, b = rng.choice(len(SUBJECTS), 2, replace=False)
        text = f"{SUBJECTS[a].capitalize()} {VERBS[i % len(VERBS)]} {SUBJECTS[b]} {WHEN[i % len(WHEN)]}."
        items.append((text, [], [], 1 + i % 7, f"{1 + i % 28} May 2025", {}))
    services.memory.store.add_many(items)


def _view(qtbot, services):
    from ui.widgets.topic_map import TopicMapView

    view = TopicMapView(lambda: topic_map(services.memory.store.db))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def _screen_pos(view, p) -> QPoint:
    vb = view.plot.getPlotItem().getViewBox()
    scene = vb.mapViewToScene(QPointF(p.x, p.y))
    return view.plot.mapFromScene(scene)


def test_a_few_hundred_points_render_and_a_click_opens_the_passage(qtbot, services, shared_embedder, tmp_path) -> None:
    services.set_embedder(shared_embedder)
    _seed(services, tmp_path)
    _many_memories(services, 300)
    m = topic_map(services.memory.store.db)
    assert len(m.points) == 314
    view = _view(qtbot, services)
    t0 = time.perf_counter()
    view.show_map(m)
    view.grab()   # a full paint of the plot
    seconds = time.perf_counter() - t0
    print(f"\ntopic map: {len(m.points)} points and {len(m.clusters)} labels drawn and painted in {seconds:.3f} s "
          "(shared 2-core machine, under load)")
    assert view.stack.currentIndex() == 1 and len(view.scatter.points()) == 314
    assert len(view.labels) == len(m.clusters) and view.legend.count() == len(m.clusters) + 1
    assert "passages" in view.summary.text() and "PCA" in view.summary.text()
    rects = [t.sceneBoundingRect() for t in view.labels]
    assert not [(i, j) for i in range(len(rects)) for j in range(i) if rects[i].intersects(rects[j])], \
        "two topic labels overlap"
    # click the passage that lies farthest from any other point on screen
    pos = np.array([[_screen_pos(view, p).x(), _screen_pos(view, p).y()] for p in m.points], dtype=float)
    passages = [i for i, p in enumerate(m.points) if p.kind == "passage"]
    gaps = [np.sort(np.linalg.norm(pos - pos[i], axis=1))[1] for i in passages]
    target = passages[int(np.argmax(gaps))]
    assert max(gaps) > 4, "no passage is clear of the others on screen"
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=_screen_pos(view, m.points[target]))
    qtbot.waitUntil(lambda: view.dialog is not None, timeout=5000)
    assert view.dialog.source["ref"] == m.points[target].ref
    assert view.dialog.source["text"] == m.points[target].text
    buttons = [b.text() for b in view.dialog.findChildren(type(view.refresh_button))]
    assert any(t.startswith("Open document") for t in buttons)
    view.dialog.close()


def test_picking_a_topic_in_the_legend_dims_the_rest(qtbot, services, shared_embedder, tmp_path) -> None:
    services.set_embedder(shared_embedder)
    _seed(services, tmp_path)
    view = _view(qtbot, services)
    job = view.refresh()
    qtbot.waitUntil(lambda: job.finished, timeout=30_000)
    assert view.map is not None and len(view.map.points) == 14
    view.legend.setCurrentRow(1)
    assert view.highlight == 0 and len(view.labels) == 1
    brushes = [pt.brush().color().alpha() for pt in view.scatter.points()]
    inside = [view.map.points[int(pt.data())].cluster == 0 for pt in view.scatter.points()]
    assert all(a > 100 for a, i in zip(brushes, inside) if i) and all(a < 100 for a, i in zip(brushes, inside) if not i)
    view.legend.setCurrentRow(0)
    assert view.highlight is None and len(view.labels) == len(view.map.clusters)


def test_an_empty_folder_says_what_will_appear(qtbot, services) -> None:
    view = _view(qtbot, services)
    job = view.refresh()
    qtbot.waitUntil(lambda: job.finished, timeout=30_000)
    assert view.stack.currentWidget() is view.empty


def test_show_in_memory_from_the_map_opens_the_memories_tab(qtbot, window, ui_services) -> None:
    a = ui_services.memory.store.add("Isla sings alto in the Leith choir.", [], [], 2, "1 May 2026")
    ui_services.memory.store.add("The boiler was serviced in March.", [], [], 3, "2 May 2026")
    pane = window.show_pane("Memory")
    pane.tabs.setCurrentWidget(pane.topic_map)
    qtbot.waitUntil(lambda: pane.topic_map.map is not None, timeout=30_000)
    index = next(i for i, p in enumerate(pane.topic_map.map.points) if p.ref == f"memory:{a.id}")
    dialog = pane.topic_map.open_point(index)
    show = next(b for b in dialog.findChildren(type(pane.topic_map.refresh_button)) if b.text() == "Show in Memory")
    show.click()
    assert pane.tabs.currentWidget() is pane.memories and pane.memories.selected_id() == a.id
