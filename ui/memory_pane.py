"""The Memory pane: what Mnemo knows about the user, in tabs.

Facts, Topics and Biography come from ``services.persona``; Memories (reflective memory)
from ``services.memory``; the memory decoder from ``services.decoder``. The Topic map and the
Timeline draw what ``core.insights`` reads from those stores.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ui.ports import AppServices, Pane
from ui.widgets.facts_view import FactsView
from ui.widgets.memories_view import MemoriesView
from ui.widgets.persona_views import BiographyView, TopicsView

if TYPE_CHECKING:
    from ui.widgets.decoder_view import DecoderView
    from ui.widgets.timeline import TimelineView
    from ui.widgets.topic_map import TopicMapView


class MemoryPane(Pane):
    """Tabs: Facts, Memories, Topics, Topic map, Timeline, Biography, Memory decoder.

    The three drawn tabs (Topic map, Timeline, Memory decoder) are built when first opened or asked for: their
    plotting library takes half a second to load, which the window's start does not wait for."""

    def __init__(self, services: AppServices) -> None:
        super().__init__()
        self.services = services
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.facts = FactsView(services.persona, services)
        self.memories = MemoriesView(services.memory, services)
        self.topics = TopicsView(services.persona)
        self.biography = BiographyView(services.persona)
        self._built: dict[str, Any] = {}
        self._waiting: dict[str, tuple[QWidget, str, Callable[[], Any]]] = {}
        self._swapping = False
        self.tabs.addTab(self.facts, "Facts")
        self.tabs.addTab(self.memories, "Memories")
        self.tabs.addTab(self.topics, "Topics")
        self._later("topic_map", "Topic map", self._make_topic_map)
        self._later("timeline", "Timeline", self._make_timeline)
        self.tabs.addTab(self.biography, "Biography")
        self._later("decoder", "Memory decoder", self._make_decoder)
        self.tabs.currentChanged.connect(self._tab_changed)

    # ---- the drawn tabs, built on first use ------------------------------------------------------
    def _later(self, name: str, title: str, make: Callable[[], Any]) -> None:
        placeholder = QWidget()
        self._waiting[name] = (placeholder, title, make)
        self.tabs.addTab(placeholder, title)

    def _view(self, name: str) -> Any:
        if name not in self._built:
            placeholder, title, make = self._waiting.pop(name)
            view = make()
            i = self.tabs.indexOf(placeholder)
            current = self.tabs.currentIndex() == i
            self._swapping = True
            try:
                self.tabs.removeTab(i)
                self.tabs.insertTab(i, view, title)
                if current:
                    self.tabs.setCurrentIndex(i)
            finally:
                self._swapping = False
            placeholder.deleteLater()
            self._built[name] = view
        return self._built[name]

    def _make_topic_map(self) -> TopicMapView:
        from core.insights.topic_map import topic_map
        from ui.widgets.topic_map import TopicMapView

        db = self.services.memory.store.db
        view = TopicMapView(lambda: topic_map(db))
        view.show_memory.connect(self.reveal)
        return view

    def _make_timeline(self) -> TimelineView:
        from core.insights.timeline import timeline
        from ui.widgets.timeline import TimelineView

        db, facts = self.services.memory.store.db, self.services.persona.facts
        view = TimelineView(lambda: timeline(db, facts))
        view.show_in_memory.connect(self.reveal)
        return view

    def _make_decoder(self) -> DecoderView:
        from ui.widgets.decoder_view import DecoderView

        return DecoderView(self.services.decoder, self.services)

    @property
    def topic_map(self) -> TopicMapView:
        return self._view("topic_map")  # type: ignore[no-any-return]

    @property
    def timeline(self) -> TimelineView:
        return self._view("timeline")  # type: ignore[no-any-return]

    @property
    def decoder(self) -> DecoderView:
        return self._view("decoder")  # type: ignore[no-any-return]

    def _tab_changed(self, _index: int) -> None:
        if self._swapping:
            return
        current = self.tabs.currentWidget()
        for name, (placeholder, _title, _make) in list(self._waiting.items()):
            if current is placeholder:
                self._view(name)
        self.on_shown()

    def _views(self) -> list[Any]:
        views: list[Any] = [self.facts, self.memories, self.topics, self.biography]
        return views + list(self._built.values())

    def on_shown(self) -> None:
        """Refresh the visible tab: background work (imports, reflection) may have changed it."""
        current = self.tabs.currentWidget()
        view: Any = next((v for v in self._views() if v is current), None)
        if view is not None:
            try:
                view.refresh()
            except Exception:  # a refresh must never break switching tabs
                pass

    def reveal(self, ref: str) -> None:
        """Show the memory or fact a chat source points to (``memory:4``, ``fact:email``)."""
        kind, _, ident = ref.partition(":")
        if kind == "fact":
            self.tabs.setCurrentWidget(self.facts)
            self.facts.filter.setText(ident)
        elif kind == "memory":
            self.tabs.setCurrentWidget(self.memories)
            if ident.isdigit():
                self.memories.select(int(ident))

    def shutdown(self) -> None:
        for view in self._views():
            job = getattr(view, "job", None)
            if job is not None and job.running:
                job.cancel()
                job.wait(5)
