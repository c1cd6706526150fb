"""Encryption of sensitive facts at rest (Fernet) and keyed hashes that compare values without storing them.

The key comes from the OS keyring (``SecretStore.get_or_create_fernet_key``); it is fetched
on first use so that opening a data folder never touches the keyring needlessly.
"""
from __future__ import annotations

import hashlib
import hmac
import threading
from typing import TYPE_CHECKING, Callable

from core.errors import SecretsError
from core.persona.keys import normalize_value

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class FactCipher:
    """Encrypts, decrypts and hashes fact values with one Fernet key."""

    def __init__(self, key_provider: Callable[[], bytes]) -> None:
        self._key_provider = key_provider
        self._fernet: Fernet | None = None
        self._mac_key = b""
        self._lock = threading.Lock()

    def _ensure(self) -> Fernet:
        with self._lock:
            if self._fernet is None:
                from cryptography.fernet import Fernet

                key = self._key_provider()
                self._fernet = Fernet(key)
                self._mac_key = hashlib.sha256(b"mnemo-fact-hash\0" + key).digest()
            return self._fernet

    def encrypt(self, value: str) -> str:
        return self._ensure().encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._ensure().decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise SecretsError("A sensitive fact could not be decrypted: the key in the keyring does not match.",
                               "Restore the keyring entry 'fact-key' from your backup (mnemo backup --include-secrets).") from exc

    def value_hash(self, key: str, value: str) -> str:
        """A keyed hash of the normalized value: equal values match, nothing about the value is stored."""
        self._ensure()
        msg = f"{key}\0{normalize_value(key, value)}".encode("utf-8")
        return hmac.new(self._mac_key, msg, hashlib.sha256).hexdigest()[:40]
