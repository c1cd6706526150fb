"""The prefill API: bearer token required, loopback only, CORS only for configured origins."""
from __future__ import annotations

import pytest

from core.autofill.api import create_app
from core.autofill.server import HOST, server_config
from core.errors import MnemoError
from tests.core.autofill_helpers import ANNA, service

TOKEN = "s3cret-token"
BODY = {"fields": [{"name": "fn", "label": "Vorname"}, {"name": "pw", "type": "password", "label": "Password"},
                   {"name": "c", "label": "Land", "type": "select", "options": [{"value": "de", "label": "Deutschland"}]}]}


def _client(origins=None):
    from fastapi.testclient import TestClient

    return TestClient(create_app(service(), TOKEN, origins), base_url="http://127.0.0.1:8765")


def test_requests_without_the_token_are_refused() -> None:
    c = _client()
    assert c.post("/v1/prefill", json=BODY).status_code == 401
    assert c.post("/v1/prefill", json=BODY, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.post("/v1/prefill", json=BODY, headers={"Authorization": TOKEN}).status_code == 401
    r = c.post("/v1/prefill", json=BODY, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
    props = {p["field"]: p for p in r.json()["proposals"]}
    assert props["fn"]["value"] == ANNA["given-name"] and props["fn"]["source"] == "fact"
    assert props["pw"]["status"] == "refused" and props["pw"]["value"] == ""
    assert props["c"]["value"] == "de"


def test_bad_bodies_and_foreign_hosts() -> None:
    c = _client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = c.post("/v1/prefill", json={"fields": [3]}, headers=auth)
    assert r.status_code == 422 and r.json()["detail"] == "Invalid request: fields[0]: Input should be an object or a string, not a number."
    assert c.post("/v1/prefill", json={"nope": 1}, headers=auth).status_code == 422
    r = c.post("/v1/prefill", json=BODY, headers={**auth, "Host": "evil.example.com"})
    assert r.status_code == 400  # DNS rebinding: only loopback Host headers


def test_cors_only_for_configured_origins() -> None:
    pre = {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "authorization,content-type"}
    r = _client().options("/v1/prefill", headers=pre)
    assert "access-control-allow-origin" not in r.headers
    ext = "chrome-extension://abcdef"
    c = _client([ext])
    assert "access-control-allow-origin" not in c.options("/v1/prefill", headers=pre).headers
    r = c.options("/v1/prefill", headers={**pre, "Origin": ext})
    assert r.headers.get("access-control-allow-origin") == ext


def test_server_binds_loopback_only_and_needs_a_token() -> None:
    cfg = server_config(create_app(service(), TOKEN), 8765)
    assert HOST == "127.0.0.1" and cfg.host == "127.0.0.1" and cfg.port == 8765
    with pytest.raises(MnemoError):
        create_app(service(), "")


def test_token_lives_in_the_secret_store(services) -> None:
    t1 = services.secrets.get_or_create("api-token")
    assert len(t1) >= 32 and services.secrets.get_or_create("api-token") == t1


def test_token_is_checked_before_anything_else() -> None:
    c = _client()
    assert c.post("/v1/prefill", json={"nope": 1}).status_code == 401
    assert c.get("/v1/anything").status_code == 401
