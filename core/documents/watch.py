"""Watched folders by polling: a background thread re-scans when a folder's listing changes.

Polling (size + mtime of every importable file) instead of OS notifications: it needs no
extra dependency, works on network drives and catches changes made while Mnemo was closed.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from core.documents.scan import scan

log = logging.getLogger(__name__)


def signature(folders: list[str], include_hidden: bool) -> frozenset:
    result = scan(folders, include_hidden=include_hidden)
    return frozenset((str(c.path), c.size, c.mtime) for c in result.files)


class FolderPoller:
    """Calls ``on_change()`` at start and whenever the watched folders' files change."""

    def __init__(self, folders: Callable[[], list[str]], include_hidden: Callable[[], bool],
                 on_change: Callable[[], object], interval_s: float = 30.0) -> None:
        self._folders = folders
        self._hidden = include_hidden
        self._on_change = on_change
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: frozenset | None = None

    def start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="mnemo-watch", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def poll_once(self) -> bool:
        """Re-scan if anything changed since the last poll; return whether it did."""
        folders = self._folders()
        sig = signature(folders, self._hidden()) if folders else frozenset()
        if sig == self._last:
            return False
        self._on_change()
        self._last = sig
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                log.exception("watched-folder scan failed")
            self._stop.wait(self.interval_s)
