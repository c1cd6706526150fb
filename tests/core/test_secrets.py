"""Secrets: keyring when there is one, a 0600 file with a visible warning when there is none."""
from __future__ import annotations

import json

import keyring
from keyring.backends import fail

from core.secrets import SecretStore


def test_keyring_backend_used(tmp_path, memory_keyring):
    s = SecretStore(tmp_path)
    s.set("api-token", "abc")
    assert s.get("api-token") == "abc"
    assert not (tmp_path / "secrets.json").exists()
    assert s.warning == ""
    assert any(v == "abc" for v in memory_keyring.data.values())


def test_fallback_file_when_no_backend(tmp_path):
    keyring.set_keyring(fail.Keyring())
    s = SecretStore(tmp_path)
    assert "No OS keyring" in s.warning
    key = s.get_or_create_fernet_key()
    assert s.get_or_create_fernet_key() == key
    path = tmp_path / "secrets.json"
    assert (path.stat().st_mode & 0o777) == 0o600
    assert "fact-key" in json.loads(path.read_text())
    s.delete("fact-key")
    assert s.get("fact-key") is None
