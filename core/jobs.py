"""Long-running work conventions: a cancel token and a progress callback.

Every long job in ``core`` takes ``progress`` and ``cancel`` and raises ``Cancelled``;
the UI runs it off the GUI thread, the CLI shows a progress bar.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Optional

from core.errors import Cancelled


@dataclass
class Progress:
    """One progress report: ``done`` of ``total`` units (total 0 = unknown)."""

    done: int
    total: int = 0
    message: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def fraction(self) -> float:
        return (self.done / self.total) if self.total else 0.0


ProgressFn = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    """A progress callback that ignores reports."""


class CancelToken:
    """Thread-safe cancellation flag shared between a job and whoever started it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self, message: str = "Cancelled.") -> None:
        if self._event.is_set():
            raise Cancelled(message)


def token_or_new(cancel: Optional[CancelToken]) -> CancelToken:
    """Return ``cancel`` or a fresh token that is never cancelled."""
    return cancel if cancel is not None else CancelToken()
