"""Topic map benchmark: computing the map (``core.insights.topic_map``: read vectors, PCA, KMeans, words)
and drawing it (``ui.widgets.topic_map``: show_map + a full paint), for a few sizes. The baseline, measured
in the same process, is pyqtgraph's own floor: the same points as one plain scatter (one colour, no
labels, no tips) in a bare PlotWidget of the same size, set and painted; the ratio is what the map's
colours, symbols, labels and legend cost on top.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/topic_map.py [--sizes 300 1000 3000]

The memories are synthetic (clustered 384-wide unit vectors stored with their texts, no model call),
in a temporary data folder.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

WORDS = ["garden", "boiler", "choir", "bike", "sourdough", "holiday", "insurance", "sister", "lab", "allotment"]


def seed(services, n: int) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    dim = services.embedder.dim
    centres = rng.normal(size=(len(WORDS), dim))
    items, vecs = [], []
    for i in range(n):
        c = i % len(WORDS)
        v = centres[c] + 0.8 * rng.normal(size=dim)
        vecs.append(v / np.linalg.norm(v))
        items.append((f"A note about the {WORDS[c]} and {WORDS[(c + i) % len(WORDS)]}, number {i}.", [], [], 1,
                      "1 May 2025", {}))
    services.memory.store.add_many(items, np.asarray(vecs, dtype=np.float32))


def timed(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def one(app, n: int) -> tuple[int, float, float, float]:  # noqa: ANN001
    """(points, compute s, draw s, plain scatter s) for ``n`` memories."""
    import numpy as np
    import pyqtgraph as pg

    from app.services import Services
    from core.insights.topic_map import topic_map
    from ui.widgets.topic_map import TopicMapView

    with tempfile.TemporaryDirectory() as tmp, Services(Path(tmp) / "home") as services:
        seed(services, n)
        db = services.memory.store.db
        compute = timed(lambda: topic_map(db))
        m = topic_map(db)
        view = TopicMapView(lambda: m)
        view.resize(1000, 700)
        view.show()
        app.processEvents()
        bare = pg.PlotWidget()
        bare.resize(view.plot.size())
        bare.show()
        plain = pg.ScatterPlotItem(size=10)
        bare.addItem(plain)
        xs, ys = np.array([p.x for p in m.points]), np.array([p.y for p in m.points])
        app.processEvents()

        def floor() -> None:
            plain.setData(x=xs, y=ys)
            bare.grab()

        base = timed(floor)

        def draw() -> None:
            view.show_map(m)
            view.plot.grab()

        drawn = timed(draw)
        view.close()
        bare.close()
        return len(m.points), compute, drawn, base


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[300, 1000, 3000])
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    print(f"{'stored':>7} {'points':>7} {'compute s':>10} {'map drawn s':>12} {'plain scatter s':>16} {'map / plain':>12}")
    for n in args.sizes:
        points, compute, drawn, base = one(app, n)
        print(f"{n:>7} {points:>7} {compute:>10.3f} {drawn:>12.3f} {base:>16.3f} {drawn / base:>12.2f}")
    print("(timings on a shared machine, under other engineers' load)")


if __name__ == "__main__":
    main()
