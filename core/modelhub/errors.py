"""The model manager's errors: each says what happened and what to do next."""
from __future__ import annotations

from core.errors import MnemoError


class ModelHubError(MnemoError):
    """A model cannot be listed, added, switched to or removed."""


class DownloadError(ModelHubError):
    """A download failed; the message says whether the partial file was kept for a resume."""


class OfflineError(DownloadError):
    """The server cannot be reached (no network, a wrong address, the server is down)."""


class DiskFullError(DownloadError):
    """The disk filled up during a download (or has no room for it)."""


class ChecksumError(DownloadError):
    """The downloaded file's sha256 is not the one expected."""
