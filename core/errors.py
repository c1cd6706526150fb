"""The domain's errors, all under the one root ``MnemoError`` (defined in ``models.errors``, re-exported here).

Every error a user can see says what to do next.
"""
from __future__ import annotations

from models.errors import EmbedderError, LLMError, MnemoError, ModelError, ModelFileError

__all__ = ["MnemoError", "ModelError", "ModelFileError", "LLMError", "EmbedderError", "Cancelled", "SettingsError",
           "StorageError", "DataFolderLocked", "SecretsError", "ImportFailed"]


class Cancelled(MnemoError):
    """Long work stopped because the user cancelled it."""

    def __init__(self, message: str = "Cancelled.", hint: str = "") -> None:
        super().__init__(message, hint)


class SettingsError(MnemoError):
    """A setting is unknown or its value is out of range."""


class StorageError(MnemoError):
    """The data folder or its databases cannot be used."""


class DataFolderLocked(StorageError):
    """Another Mnemo process holds the data folder."""


class SecretsError(MnemoError):
    """A secret could not be stored or read."""


class ImportFailed(MnemoError):
    """A document could not be imported; it is reported and skipped."""
