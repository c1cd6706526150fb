"""The one CLI progress renderer: ``core.jobs.Progress`` reports drawn by tqdm on stderr.

``CliProgress`` is a ``ProgressFn``. On a terminal it is one tqdm bar redrawn in place; off
a terminal (a pipe, a log file, the tests) each redraw is a whole line, at most every few
seconds, with no carriage returns. A report with ``total`` 0 (unknown) shows no bar; a new
``total``, or ``done`` going back, starts a new bar (a job's next stage). A job may report its
own estimate as ``extra["eta_s"]`` (the import does, from bytes); it wins over tqdm's.

``run_job`` runs a job with one and keeps the CLI's Ctrl-C convention: the job's cancel
token is cancelled, the bar is closed, and ``KeyboardInterrupt`` goes on to ``app.cli.main``
("mnemo: stopped.", exit status 130).
"""
from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any, Callable, TextIO, TypeVar

from core.jobs import CancelToken, Progress

if TYPE_CHECKING:
    from tqdm import tqdm

T = TypeVar("T")

# {eta} is filled in per report: tqdm's "{remaining}", or the job's own estimate
KNOWN = "{{desc}}: {{percentage:3.0f}}%|{{bar}}| {{n_fmt}}/{{total_fmt}}{{unit}} [{{elapsed}}, ETA {eta}{{postfix}}]"
UNKNOWN = "{desc}: [{elapsed}{postfix}]"
UNKNOWN_COUNTED = "{desc}: {n_fmt}{unit} [{elapsed}{postfix}]"
TTY_INTERVAL_S = 0.1
LINE_INTERVAL_S = 5.0
TTY_MESSAGE_CHARS = 40


class CliProgress:
    """A ``ProgressFn`` that draws ``Progress`` reports on stderr (``with`` closes it).

    ``label`` names the job ("import"); ``unit`` the things counted ("files");
    ``detail(p)`` adds a job's own figures after the message (the import's chunks/s).
    ``quiet`` draws nothing (``--json``, ``--quiet``).
    """

    def __init__(self, label: str, unit: str = "", *, detail: Callable[[Progress], str] | None = None,
                 stream: TextIO | None = None, quiet: bool = False) -> None:
        self.label = label
        self.unit = f" {unit}" if unit else ""  # tqdm's {unit}, right after the count
        self.detail = detail
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self._bar: tqdm | None = None
        self._message = ""
        self._lock = threading.RLock()  # a job may report from a worker; reentrant for a Ctrl-C handler's note()

    def __call__(self, p: Progress) -> None:
        if self.quiet:
            return
        fmt, postfix = self._format(p), self._postfix(p)
        with self._lock:
            bar = self._bar
            if bar is None or (p.total or None) != bar.total or p.done < bar.n:
                self.close()
                self._bar = self._open(p, fmt, postfix)  # drawn at once
            else:
                bar.bar_format = fmt
                bar.set_postfix_str(postfix, refresh=False)
                bar.update(p.done - bar.n)  # drawn if the interval has passed
                finished = bool(p.total) and p.done >= p.total
                next_stage = not p.total and p.message != self._message  # a stage of unknown length
                if finished or next_stage:
                    bar.refresh()
            self._message = p.message

    def note(self, text: str) -> None:
        """A line of its own on the same stream, with the bar redrawn below it on a terminal."""
        with self._lock:
            if self._bar is not None and self.tty:
                self._bar.write(text, file=self.stream)
            else:
                self.stream.write(text + "\n")
                self.stream.flush()

    def close(self) -> None:
        """Leave the last state on screen (the final line in a log)."""
        with self._lock:
            bar, self._bar = self._bar, None
            if bar is None:
                return
            if not self.tty and not bar.shown_now():   # a LineBar
                bar.refresh()
            bar.close()

    def __enter__(self) -> CliProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self, p: Progress, fmt: str, postfix: str) -> tqdm:
        from app.cli.progress_bars import LineBar, TtyBar   # tqdm: imported by the commands that draw a bar

        cls = TtyBar if self.tty else LineBar
        return cls(total=p.total or None, initial=p.done, desc=self.label, unit=self.unit, bar_format=fmt,
                   postfix=postfix, file=self.stream, mininterval=TTY_INTERVAL_S if self.tty else LINE_INTERVAL_S,
                   miniters=0, dynamic_ncols=self.tty, ascii=not self.tty or None, leave=self.tty)

    @staticmethod
    def _format(p: Progress) -> str:
        if not p.total:
            return UNKNOWN_COUNTED if p.done else UNKNOWN
        eta = p.extra.get("eta_s")
        if eta is None:
            return KNOWN.format(eta="{remaining}")
        from tqdm import tqdm

        return KNOWN.format(eta=tqdm.format_interval(eta))

    def _postfix(self, p: Progress) -> str:
        message = p.message
        if self.tty and len(message) > TTY_MESSAGE_CHARS:
            message = "…" + message[-(TTY_MESSAGE_CHARS - 1):]
        extra = self.detail(p) if self.detail is not None else ""
        return ", ".join(s for s in (extra, message) if s)


def run_job(job: Callable[..., T], label: str, *args: Any, unit: str = "", quiet: bool = False,
            **kwargs: Any) -> T:
    """``job(*args, progress=..., cancel=..., **kwargs)`` with a ``CliProgress``; Ctrl-C cancels it."""
    cancel = CancelToken()
    with CliProgress(label, unit, quiet=quiet) as bar:
        try:
            return job(*args, progress=bar, cancel=cancel, **kwargs)
        except KeyboardInterrupt:
            cancel.cancel()
            raise
