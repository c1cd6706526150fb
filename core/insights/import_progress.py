"""Import progress per folder, with an ETA for each.

An import reads the files of the paths it was given in scan order, one path after another, and
reports ``Progress(files done, files, path of the file it starts, {"bytes": ..., "total_bytes": ...})``
(``core.documents.pipeline.ImportRun.tick``). ``plan`` scans the same paths the same way to know
each folder's files and bytes; ``ImportTracker`` turns the import's reports into one row per folder:
how much of it is read, and when it will be done at the rate the import has kept so far.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from core.jobs import Progress


@dataclass(frozen=True)
class FolderPlan:
    folder: str          # a folder given to the import, or the folder of files given one by one
    files: tuple[str, ...]
    sizes: tuple[int, ...]

    @property
    def total_bytes(self) -> int:
        return sum(self.sizes)


@dataclass(frozen=True)
class FolderRow:
    folder: str
    files_done: int
    files_total: int
    bytes_done: int
    bytes_total: int
    state: str                 # "waiting" | "reading" | "done"
    eta_s: float | None        # seconds until this folder is read (None: not known yet)
    current: str = ""          # the file being read

    @property
    def fraction(self) -> float:
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        return 1.0 if self.state == "done" else 0.0


def plan(paths: Sequence[str | Path], include_hidden: bool = False,
         max_bytes: int | None = None) -> list[FolderPlan]:
    """The files an import of ``paths`` will read, grouped by the folder they were found under, in order."""
    from core.documents.scan import scan

    roots = [os.path.abspath(os.path.expanduser(str(p))) for p in paths]
    found = scan(paths, include_hidden=include_hidden, max_bytes=max_bytes)
    groups: dict[str, tuple[list[str], list[int]]] = {}
    for cand in found.files:
        path = str(cand.path)
        root = next((r for r in roots if os.path.isdir(r) and (path + os.sep).startswith(r.rstrip(os.sep) + os.sep)),
                    str(Path(path).parent))
        files, sizes = groups.setdefault(root, ([], []))
        files.append(path)
        sizes.append(cand.size)
    return [FolderPlan(folder, tuple(f), tuple(s)) for folder, (f, s) in groups.items()]


class ImportTracker:
    """Folder rows from an import's progress reports (``update``), for a plan made before it started."""

    def __init__(self, plans: Sequence[FolderPlan], clock: Callable[[], float] = time.monotonic,
                 started: float | None = None) -> None:
        """``started``: when the import began, on ``clock`` (the plan may be ready after it began)."""
        self.plans = list(plans)
        self._clock = clock
        self._t0 = clock() if started is None else started
        self._where = {f: (i, j) for i, p in enumerate(self.plans) for j, f in enumerate(p.files)}
        self._current: tuple[int, int] | None = None   # (plan, file) being read
        self._bytes = 0                                # bytes read so far, all folders
        self._before = [sum(p.total_bytes for p in self.plans[:i]) for i in range(len(self.plans))]
        self._done = False

    def update(self, p: Progress) -> list[FolderRow]:
        extra = p.extra or {}
        if p.message == "done":
            self._done = True
        elif p.message in self._where:
            self._current = self._where[p.message]
        if "bytes" in extra:
            self._bytes = int(extra["bytes"])
        elif self._current is not None:   # no byte count: every file before this one is read
            i, j = self._current
            self._bytes = self._before[i] + sum(self.plans[i].sizes[:j])
        return self.rows()

    def rows(self) -> list[FolderRow]:
        elapsed = max(1e-6, self._clock() - self._t0)
        rate = self._bytes / elapsed if self._bytes > 0 else 0.0
        out = []
        for i, plan_ in enumerate(self.plans):
            total = plan_.total_bytes
            done = total if self._done else max(0, min(total, self._bytes - self._before[i]))
            cur_i, cur_j = self._current if self._current is not None else (-1, -1)
            if self._done or (done >= total and cur_i > i):
                state, files_done, current = "done", len(plan_.files), ""
            elif cur_i == i:
                state, files_done, current = "reading", cur_j, plan_.files[cur_j]
            elif cur_i > i:
                state, files_done, current = "done", len(plan_.files), ""
            else:
                state, files_done, current = "waiting", 0, ""
            if state == "done":
                eta: float | None = 0.0
            elif rate > 0:
                eta = (self._before[i] + total - self._bytes) / rate
            else:
                eta = None
            out.append(FolderRow(plan_.folder, files_done, len(plan_.files), done if state != "done" else total,
                                 total, state, eta, current))
        return out
