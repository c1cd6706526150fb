"""Idle reflection: a background thread reflects on conversations once they have been quiet a while.

It never blocks chat: it waits until no chat activity has happened for ``idle_minutes``,
reflects one conversation at a time, and re-checks for activity between conversations.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from core.errors import Cancelled
from core.jobs import CancelToken

log = logging.getLogger(__name__)


class IdleReflection:
    """Runs ``reflect(conversation_id, cancel)`` for ``pending()`` conversations when the user is idle."""

    def __init__(self, pending: Callable[[float], list[int]], reflect: Callable[[int, CancelToken], Any],
                 settings: Callable[[], Any], poll_s: float = 30.0) -> None:
        self._pending = pending              # idle seconds -> conversation ids quiet that long with unreflected turns
        self._reflect = reflect
        self._settings = settings            # -> Settings (reflection section used)
        self.poll_s = poll_s
        self.last_activity = time.monotonic()
        self._stop = threading.Event()
        self._cancel = CancelToken()
        self._thread: threading.Thread | None = None
        self.runs = 0

    def touch(self) -> None:
        """Chat activity: postpone reflection, and stop one in progress at its next checkpoint."""
        self.last_activity = time.monotonic()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="mnemo-reflection", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._cancel.cancel()
        if self._thread is not None:
            self._thread.join(timeout)

    def idle_seconds(self) -> float:
        return time.monotonic() - self.last_activity

    def run_once(self) -> int:
        """Reflect on every conversation that is due now; return how many were reflected."""
        s = self._settings().reflection
        idle = s.idle_minutes * 60.0
        if not s.enabled or self.idle_seconds() < idle:
            return 0
        done = 0
        for cid in self._pending(idle):
            if self._stop.is_set() or self.idle_seconds() < idle:
                break
            try:
                self._reflect(cid, self._cancel)
                done += 1
            except Cancelled:
                break
            except Exception:
                log.exception("idle reflection of conversation %s failed", cid)
        self.runs += done
        return done

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.run_once()
            except Exception:
                log.exception("idle reflection failed")
