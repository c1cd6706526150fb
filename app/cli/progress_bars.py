"""The tqdm bars ``app.cli.progress.CliProgress`` draws: redrawn in place on a terminal, a line each in a log."""
from __future__ import annotations

from typing import Any

from tqdm import tqdm


class LineBar(tqdm):
    """tqdm for output that is not a terminal: every redraw is a line of its own."""

    monitor_interval = 0  # no monitor thread
    _shown: tuple[Any, ...] = ()

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:
        if msg == "":  # tqdm clearing the line: nothing to clear in a log
            return False
        self.fp.write((str(self) if msg is None else msg) + "\n")
        self.fp.flush()
        self._shown = (self.n, self.total, self.postfix)
        return True

    def shown_now(self) -> bool:
        """Whether the last line written shows the current state."""
        return self._shown == (self.n, self.total, self.postfix)

    def clear(self, nolock: bool = False) -> None:  # tqdm.write() elsewhere must not write "\r" into a log
        pass


class TtyBar(tqdm):
    monitor_interval = 0
