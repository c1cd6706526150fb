"""The Memory pane: what Mnemo knows about the user, in tabs.

Facts, Topics and Biography come from ``services.persona``; Memories (reflective memory)
from ``services.memory``; the memory decoder from ``services.decoder``. The Topic map and the
Timeline draw what ``core.insights`` reads from those stores.
"""
from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout

from core.insights.timeline import timeline
from core.insights.topic_map import topic_map
from ui.ports import AppServices, Pane
from ui.widgets.decoder_view import DecoderView
from ui.widgets.facts_view import FactsView
from ui.widgets.memories_view import MemoriesView
from ui.widgets.persona_views import BiographyView, TopicsView
from ui.widgets.timeline import TimelineView
from ui.widgets.topic_map import TopicMapView


class MemoryPane(Pane):
    """Tabs: Facts, Memories, Topics, Topic map, Timeline, Biography, Memory decoder."""

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
        self.decoder = DecoderView(services.decoder, services)
        db = services.memory.store.db
        self.topic_map = TopicMapView(lambda: topic_map(db))
        self.topic_map.show_memory.connect(self.reveal)
        self.timeline = TimelineView(lambda: timeline(db, services.persona.facts))
        self.timeline.show_in_memory.connect(self.reveal)
        self.tabs.addTab(self.facts, "Facts")
        self.tabs.addTab(self.memories, "Memories")
        self.tabs.addTab(self.topics, "Topics")
        self.tabs.addTab(self.topic_map, "Topic map")
        self.tabs.addTab(self.timeline, "Timeline")
        self.tabs.addTab(self.biography, "Biography")
        self.tabs.addTab(self.decoder, "Memory decoder")
        self.tabs.currentChanged.connect(lambda _: self.on_shown())

    def on_shown(self) -> None:
        """Refresh the visible tab: background work (imports, reflection) may have changed it."""
        current = self.tabs.currentWidget()
        for view in (self.facts, self.memories, self.topics, self.topic_map, self.timeline, self.biography,
                     self.decoder):
            if view is current:
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
        for view in (self.topics, self.biography, self.memories, self.decoder, self.topic_map, self.timeline):
            job = view.job
            if job is not None and job.running:
                job.cancel()
                job.wait(5)
