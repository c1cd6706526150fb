"""The one place that changes torch's CPU thread count.

Short torch work (a query embedding, one decoder step per generated token) runs faster on one
thread on a small busy machine: splitting a few tokens over threads costs more in
synchronisation than it saves, and the extra threads fight llama.cpp's own for the cores
(measured: a query 25 ms vs 145 ms, a decoder step 14x slower, 116 turns 6.6 s vs 11.2 s, on a
loaded 2-core machine).

With torch's OpenMP backend the count is per thread (``torch.set_num_threads`` sets the calling
thread's, and the default that threads started later inherit). So each thread goes to one
thread when it enters its outermost ``one_thread`` section and back to the process's normal
count when it leaves it. The normal count is read once, under a lock, before any section has
changed it, and never from a thread that may have inherited a section's 1; a restore
therefore never leaves the process on one thread, whatever the order in which sections of
different threads end, and no section waits for another's work.

A section opened before anything imported torch pins nothing (a query through the ONNX graph
never loads torch, and importing it only to set a thread count would cost seconds).
"""
from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_local = threading.local()   # depth: this thread's open sections
_normal: int | None = None   # the process's thread count outside sections
_active = 0                  # open sections, all threads together (for tests and the normal count)


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the body with torch on one CPU thread in this thread; sections nest and overlap across threads."""
    global _normal, _active
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    depth = getattr(_local, "depth", 0)
    if depth == 0:
        with _lock:
            now = torch.get_num_threads()
            if _normal is None or (_active == 0 and now != 1):  # first use, or changed by someone outside
                _normal = now
            _active += 1
        if torch.get_num_threads() != 1:
            torch.set_num_threads(1)
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth = depth
        if depth == 0:
            with _lock:
                _active -= 1
                normal = _normal
            if normal is not None and normal != 1 and torch.get_num_threads() == 1:
                torch.set_num_threads(normal)


def active_sections() -> int:
    """How many threads are inside a ``one_thread`` section now (for tests)."""
    with _lock:
        return _active
