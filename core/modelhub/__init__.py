"""The model manager: the chat models Mnemo knows (embedded, downloaded, added by path), their facts, and switching.

``ModelCatalog`` lists, adds (downloads resume and verify), switches and removes; ``machine``
says whether a model fits this computer; ``sources`` reads what the user typed.
"""
from __future__ import annotations

from core.modelhub.catalog import EMBEDDED, ModelCatalog, ModelEntry
from core.modelhub.errors import ChecksumError, DiskFullError, DownloadError, ModelHubError, OfflineError
from core.modelhub.machine import Fit, Machine, gib, probe_machine

__all__ = ["EMBEDDED", "ModelCatalog", "ModelEntry", "ModelHubError", "DownloadError", "OfflineError",
           "DiskFullError", "ChecksumError", "Fit", "Machine", "gib", "probe_machine"]
