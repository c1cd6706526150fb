"""Secrets (the key that encrypts sensitive facts, the local API token) in the OS keyring.

Where no keyring backend exists (a headless Linux) the secrets go to a 0600 file in the
data folder instead, and ``warning`` says so: ``mnemo doctor`` and the log show it.
"""
from __future__ import annotations

import json
import logging
import os
import secrets as _pysecrets
import threading
from pathlib import Path

from core.errors import SecretsError
from core.settings.store import atomic_write_text

log = logging.getLogger(__name__)

SERVICE = "mnemo"


def _usable_keyring():  # -> keyring backend or None
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return None
        # The chainer with no real backend behind it is unusable too.
        if type(backend).__name__ == "ChainerBackend" and not getattr(backend, "backends", []):
            return None
        if getattr(backend, "priority", 1) <= 0 and "null" in type(backend).__name__.lower():
            return None
        return backend
    except Exception:  # pragma: no cover - broken keyring installs
        return None


class SecretStore:
    """Get, set and delete named secrets, scoped to one data folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.scope = str(self.folder.resolve())
        self.fallback_path = self.folder / "secrets.json"
        self._lock = threading.Lock()
        self._found: tuple[object | None, str] | None = None   # the backend and the warning, found on first use

    def _find(self) -> tuple[object | None, str]:
        """Look for the OS keyring once (keyring loads every backend it knows, ~0.1 s: not for a command that
        needs no secret)."""
        if self._found is None:
            backend, warning = _usable_keyring(), ""
            if backend is None:
                warning = (
                    "No OS keyring is available; secrets are kept in a file readable only by you "
                    f"({self.fallback_path}, mode 0600). Install and unlock a keyring (e.g. GNOME Keyring, KWallet) to keep them there instead.")
                log.warning(warning)
            self._found = (backend, warning)
        return self._found

    @property
    def _backend(self):  # -> keyring backend or None
        return self._find()[0]

    @property
    def warning(self) -> str:
        return self._find()[1]

    @property
    def backend_name(self) -> str:
        if self._backend is None:
            return f"file fallback ({self.fallback_path}, 0600)"
        return f"{type(self._backend).__module__}.{type(self._backend).__name__}"

    def _name(self, name: str) -> str:
        return f"{self.scope}:{name}"

    # --- file fallback ------------------------------------------------------------------
    def _read_file(self) -> dict[str, str]:
        if not self.fallback_path.exists():
            return {}
        try:
            return json.loads(self.fallback_path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise SecretsError(f"The secrets file {self.fallback_path} is unreadable ({exc}).",
                               "Restore it from a backup made with --include-secrets.") from exc

    def _write_file(self, data: dict[str, str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        old = os.umask(0o077)
        try:
            atomic_write_text(self.fallback_path, json.dumps(data))
        finally:
            os.umask(old)
        os.chmod(self.fallback_path, 0o600)

    # --- API ------------------------------------------------------------------------------
    def get(self, name: str) -> str | None:
        with self._lock:
            if self._backend is not None:
                try:
                    return self._backend.get_password(SERVICE, self._name(name))
                except Exception as exc:
                    raise SecretsError(f"The keyring refused to read '{name}' ({exc}).", "Unlock your keyring and try again.") from exc
            return self._read_file().get(name)

    def set(self, name: str, value: str) -> None:
        with self._lock:
            if self._backend is not None:
                try:
                    self._backend.set_password(SERVICE, self._name(name), value)
                    return
                except Exception as exc:
                    raise SecretsError(f"The keyring refused to store '{name}' ({exc}).", "Unlock your keyring and try again.") from exc
            data = self._read_file()
            data[name] = value
            self._write_file(data)

    def delete(self, name: str) -> None:
        with self._lock:
            if self._backend is not None:
                try:
                    self._backend.delete_password(SERVICE, self._name(name))
                except Exception:
                    pass
                return
            data = self._read_file()
            if data.pop(name, None) is not None:
                self._write_file(data)

    def get_or_create(self, name: str, nbytes: int = 32) -> str:
        """Return the secret ``name``, creating a random URL-safe one the first time."""
        value = self.get(name)
        if value is None:
            value = _pysecrets.token_urlsafe(nbytes)
            self.set(name, value)
        return value

    def get_or_create_fernet_key(self, name: str = "fact-key") -> bytes:
        """The Fernet key that encrypts sensitive facts (created on first use)."""
        value = self.get(name)
        if value is None:
            from cryptography.fernet import Fernet

            value = Fernet.generate_key().decode()
            self.set(name, value)
        return value.encode()
