"""The one exception root, ``MnemoError``, at the bottom layer so that ``core`` and ``models`` both derive from it.

Every error a user can see is a ``MnemoError``: its message says what happened and its
``hint`` what to do next. ``core.errors`` re-exports the root and adds the domain's errors.
"""
from __future__ import annotations


class MnemoError(Exception):
    """Base of every error Mnemo reports to the user.

    ``hint`` says what to do next; ``str(err)`` includes it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}".strip())


class ModelError(MnemoError):
    """A model (chat model or embedder) is missing, not what it claims to be, or failed."""


class ModelFileError(ModelError):
    """A model file is missing, truncated, or not a GGUF this llama.cpp reads."""


class LLMError(ModelError):
    """llama.cpp failed to load a model or to generate."""


class EmbedderError(ModelError):
    """The embedding model is missing, cannot be loaded, or gives vectors of the wrong width."""
