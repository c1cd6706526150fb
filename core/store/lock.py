"""A lock file so that only one Mnemo process writes a data folder at a time."""
from __future__ import annotations

import os
from pathlib import Path

from core.errors import DataFolderLocked


class FolderLock:
    """An exclusive, non-blocking ``flock`` on ``<data folder>/mnemo.lock``.

    The OS releases it when the process dies, so a killed process never leaves a stale lock.
    """

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / "mnemo.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            finally:
                os.close(fd)
            raise DataFolderLocked(
                f"Another Mnemo (process {holder}) is using the data folder {self.path.parent}.",
                "Close the other Mnemo window or command first, or use another folder with MNEMO_HOME.") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None
