"""Passphrase encryption of the secrets that a backup carries with ``--include-secrets``.

scrypt (n=2**15, r=8, p=1) turns the passphrase and a random salt into a key; AES-256-GCM
encrypts the JSON of the secrets. A wrong passphrase or a changed byte fails the GCM tag,
so restore refuses it instead of writing garbage keys.
"""
from __future__ import annotations

import base64
import json
import os

from core.errors import MnemoError

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE = 8


class BackupPassphraseError(MnemoError):
    """The passphrase is missing, too short, or does not open the backup's secrets."""


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def encrypt_secrets(secrets: dict[str, str], passphrase: str) -> bytes:
    """Return the encrypted document (JSON bytes) holding ``secrets``."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupPassphraseError(f"The backup passphrase is shorter than {MIN_PASSPHRASE} characters.",
                                    "Choose a longer passphrase; you will need it to restore.")
    salt = os.urandom(16)
    nonce = os.urandom(12)
    key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    aad = b"mnemo-backup-secrets-v1"
    ct = AESGCM(key).encrypt(nonce, json.dumps(secrets, sort_keys=True).encode("utf-8"), aad)
    doc = {"format": "mnemo-secrets-v1", "kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
           "cipher": "AES-256-GCM", "salt": base64.b64encode(salt).decode(),
           "nonce": base64.b64encode(nonce).decode(), "ciphertext": base64.b64encode(ct).decode()}
    return json.dumps(doc, indent=1).encode("utf-8")


def decrypt_secrets(blob: bytes, passphrase: str) -> dict[str, str]:
    """Open a document made by :func:`encrypt_secrets`; a wrong passphrase raises BackupPassphraseError."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        doc = json.loads(blob.decode("utf-8"))
        if doc.get("format") != "mnemo-secrets-v1":
            raise ValueError(f"unknown format {doc.get('format')!r}")
        salt = base64.b64decode(doc["salt"])
        nonce = base64.b64decode(doc["nonce"])
        ct = base64.b64decode(doc["ciphertext"])
        n, r, p = int(doc["n"]), int(doc["r"]), int(doc["p"])
    except (ValueError, KeyError, TypeError) as exc:
        raise MnemoError(f"The secrets in this backup are unreadable ({exc}).",
                         "Restore without secrets, or use another backup.") from exc
    key = _derive(passphrase, salt, n, r, p)
    try:
        plain = AESGCM(key).decrypt(nonce, ct, b"mnemo-backup-secrets-v1")
    except InvalidTag:
        raise BackupPassphraseError("The passphrase does not open the secrets in this backup.",
                                    "Type the passphrase used for 'mnemo backup --include-secrets'.") from None
    data = json.loads(plain.decode("utf-8"))
    return {str(k): str(v) for k, v in data.items()}
