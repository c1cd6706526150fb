"""The Memory pane: what Mnemo knows about the user, in tabs.

Facts, Topics and Biography come from ``services.persona``; Memories (reflective memory)
from ``services.memory``; the memory decoder from ``services.decoder``. A tab whose
service is not in this build says so instead of showing an empty table.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ui.widgets.empty_state import not_available


class MemoryPane(QWidget):
    """Tabs: Facts, Memories, Topics, Biography, Memory decoder."""

    def __init__(self, services: Any) -> None:
        super().__init__()
        self.services = services
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        persona = getattr(services, "persona", None)
        memory = getattr(services, "memory", None)
        decoder = getattr(services, "decoder", None)
        self.facts = self.topics = self.biography = self.memories = self.decoder = None
        if persona is not None:
            from ui.widgets.facts_view import FactsView

            self.facts = FactsView(persona, services)
            self.tabs.addTab(self.facts, "Facts")
        else:
            self.tabs.addTab(not_available("Profile facts"), "Facts")
        if memory is not None:
            from ui.widgets.memories_view import MemoriesView

            self.memories = MemoriesView(memory, services)
            self.tabs.addTab(self.memories, "Memories")
        else:
            self.tabs.addTab(not_available("Reflective memory"), "Memories")
        if persona is not None:
            from ui.widgets.persona_views import BiographyView, TopicsView

            self.topics = TopicsView(persona)
            self.biography = BiographyView(persona)
            self.tabs.addTab(self.topics, "Topics")
            self.tabs.addTab(self.biography, "Biography")
        else:
            self.tabs.addTab(not_available("Topics"), "Topics")
            self.tabs.addTab(not_available("The biography"), "Biography")
        if decoder is not None:
            from ui.widgets.decoder_view import DecoderView

            self.decoder = DecoderView(decoder, services)
            self.tabs.addTab(self.decoder, "Memory decoder")
        else:
            self.tabs.addTab(not_available("The memory decoder"), "Memory decoder")
        self.tabs.currentChanged.connect(lambda _: self.on_shown())

    def on_shown(self) -> None:
        """Refresh the visible tab: background work (imports, reflection) may have changed it."""
        current = self.tabs.currentWidget()
        refresh = getattr(current, "refresh", None)
        if callable(refresh) and not isinstance(current, QTabWidget):
            try:
                refresh()
            except Exception:  # a refresh must never break switching tabs
                pass

    def reveal(self, ref: str) -> None:
        """Show the memory or fact a chat source points to (``memory:4``, ``fact:email``)."""
        kind, _, ident = ref.partition(":")
        if kind == "fact" and self.facts is not None:
            self.tabs.setCurrentWidget(self.facts)
            self.facts.filter.setText(ident)
        elif kind == "memory" and self.memories is not None:
            self.tabs.setCurrentWidget(self.memories)
            select = getattr(self.memories, "select", None)
            if callable(select) and ident.isdigit():
                select(int(ident))

    def shutdown(self) -> None:
        for view in (self.topics, self.biography, self.memories, self.decoder):
            job = getattr(view, "job", None)
            if job is not None and job.running:
                job.cancel()
                job.wait(5)
