"""One exception root for Mnemo: every error a user can see says what to do next."""
from __future__ import annotations


class MnemoError(Exception):
    """Base of every error Mnemo reports to the user.

    ``hint`` says what to do next; ``str(err)`` includes it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}".strip())


class Cancelled(MnemoError):
    """Long work stopped because the user cancelled it."""

    def __init__(self, message: str = "Cancelled.", hint: str = "") -> None:
        super().__init__(message, hint)


class SettingsError(MnemoError):
    """A setting is unknown or its value is out of range."""


class ModelError(MnemoError):
    """A model file is missing, truncated, not a GGUF, or failed to load."""


class StorageError(MnemoError):
    """The data folder or its databases cannot be used."""


class DataFolderLocked(StorageError):
    """Another Mnemo process holds the data folder."""


class SecretsError(MnemoError):
    """A secret could not be stored or read."""


class ImportFailed(MnemoError):
    """A document could not be imported; it is reported and skipped."""
