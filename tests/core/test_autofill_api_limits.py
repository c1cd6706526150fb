"""The prefill API's limits: bodies capped before they are read, 422s that say what is wrong, exact origins only."""
from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

import pytest
from core.settings import InvalidSetting as ValidationError

from core.autofill.api import MAX_BODY_BYTES, MAX_FIELDS, MAX_LABEL_CHARS, BodyLimit, create_app
from core.autofill.forms import fields_from_json
from core.autofill.model import FormField
from core.errors import MnemoError, SettingsError
from core.settings.schema import AutofillSettings
from tests.core.autofill_helpers import ANNA, service

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


class CountingAutofill:
    """Stands in for the AutofillService: counts calls, proposes nothing."""

    def __init__(self) -> None:
        self.calls = 0
        self.fields: list[FormField] = []

    def propose(self, fields, overwrite=False, use_model=True):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.fields = list(fields)
        return []


def _client(autofill=None, origins=None):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    return TestClient(create_app(autofill or CountingAutofill(), TOKEN, origins), base_url="http://127.0.0.1:8765")


def _post(c, body: bytes | str, headers=None):  # type: ignore[no-untyped-def]
    return c.post("/v1/prefill", content=body.encode() if isinstance(body, str) else body, headers={**AUTH, **(headers or {})})


# ----- the body cap --------------------------------------------------------------------

def test_an_oversized_content_length_is_refused_unread() -> None:
    af = CountingAutofill()
    c = _client(af, ["chrome-extension://abc"])
    big = b'{"fields": ["Vorname"], "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    r = _post(c, big, {"Origin": "chrome-extension://abc"})
    assert r.status_code == 413 and "1 MiB" in r.json()["detail"]
    assert r.headers.get("access-control-allow-origin") == "chrome-extension://abc"  # the extension can read why
    assert af.calls == 0
    assert _post(c, json.dumps({"fields": ["Vorname"]})).status_code == 200 and af.calls == 1

    # At the ASGI level: a declared length over the cap is answered before a single byte is received.
    received, sent = _run_limit([(b"content-length", str(10 * 1024 * 1024).encode())], [b"x" * 65536] * 200)
    assert received == 0 and sent[0]["status"] == 413
    received, sent = _run_limit([(b"content-length", b"9" * 5000)], [b"x"])  # no int() of 5000 digits
    assert received == 0 and sent[0]["status"] == 413
    received, sent = _run_limit([(b"content-length", b"12abc")], [b"x"])
    assert received == 0 and sent[0]["status"] == 400


def test_an_oversized_chunked_body_is_refused_as_it_streams() -> None:
    chunk = b"x" * 65536
    received, sent = _run_limit([(b"transfer-encoding", b"chunked")], [chunk] * 160)  # 10 MiB offered
    assert sent[0]["status"] == 413
    assert received * len(chunk) <= MAX_BODY_BYTES + len(chunk)  # stopped just past the cap, not at 10 MiB

    def chunks():  # no Content-Length: httpx sends it chunked
        for _ in range(20):
            yield b" " * 65536 * 2
    af = CountingAutofill()
    r = _client(af).post("/v1/prefill", content=chunks(), headers=AUTH)
    assert r.status_code == 413 and af.calls == 0


def test_a_body_just_under_the_cap_passes_and_the_token_comes_first() -> None:
    af = CountingAutofill()
    c = _client(af)
    fields = [{"name": f"f{i}", "label": "L" * 900, "options": ["a", {"value": "b", "label": "B"}]} for i in range(MAX_FIELDS)]
    body = json.dumps({"fields": fields}).encode()
    assert len(body) < MAX_BODY_BYTES
    assert _post(c, body).status_code == 200 and len(af.fields) == MAX_FIELDS
    big = b"x" * (MAX_BODY_BYTES + 1)
    assert c.post("/v1/prefill", content=big).status_code == 401  # no token: refused before the size matters
    assert c.post("/v1/prefill", content=big, headers={**AUTH, "Host": "evil.example"}).status_code == 400


def _run_limit(headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, list[dict]]:
    """Drive BodyLimit with ``chunks`` as the body; how many it pulled, and what it sent."""
    pulled = 0
    sent: list[dict] = []
    reached = []

    async def receive():  # type: ignore[no-untyped-def]
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}

    async def send(message):  # type: ignore[no-untyped-def]
        sent.append(message)

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        reached.append(scope)

    scope = {"type": "http", "method": "POST", "path": "/v1/prefill", "headers": headers}
    asyncio.run(BodyLimit(app)(scope, receive, send))
    assert not reached
    return pulled, sent


def test_the_real_server_refuses_a_chunked_flood() -> None:
    """uvicorn (server_config), raw HTTP/1.1 chunked: 413 after about 1 MiB, then the server still answers."""
    import uvicorn

    from core.autofill.server import server_config

    af = CountingAutofill()
    server = uvicorn.Server(server_config(create_app(af, TOKEN), 0))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        port = server.servers[0].sockets[0].getsockname()[1]
        head = (f"POST /v1/prefill HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            s.sendall(head)
            chunk = b"x" * 65536
            frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
            try:
                for _ in range(160):  # 10 MiB, if the server kept reading
                    s.sendall(frame)
            except OSError:
                pass  # the server closed the connection after refusing
            reply = s.recv(4096)
        assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
        with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
            body = json.dumps({"fields": ["Vorname"]}).encode()
            s.sendall((f"POST /v1/prefill HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
            reply = s.recv(4096)
        assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
        assert af.calls == 1
    finally:
        server.should_exit = True
        thread.join(timeout=20)


# ----- 422s that say what is wrong -------------------------------------------------------

BAD = [
    ('{"fields": [{"name": "a", "max_length": "abc"}]}', "fields[0].max_length", "integer"),
    ('{"fields": [{"name": "a", "options": 5}]}', "fields[0].options", "list"),
    ('{"fields": [{"name": "a", "max_length": 1e400}]}', "body", "1e400 is too large"),
    ('{"fields": [{"name": "a", "max_length": -1e400}]}', "body", "too large"),
    ('{"fields": [{"name": "a", "max_length": NaN}]}', "body", "NaN is not a JSON number"),
    ('{"fields": [{"name": "a", "max_length": Infinity}]}', "body", "Infinity is not a JSON number"),
    ('{"fields": [{"name": "a", "max_length": 1e5}]}', "fields[0].max_length", "integer"),
    ('{"fields": [{"name": "a", "max_length": ' + "9" * 5000 + "}]}", "body", "digits"),
    ('{"fields": [{"name": "a", "max_length": 100000000}]}', "fields[0].max_length", "less than or equal"),
    ('{"fields": [{"label": {"text": "Vorname"}}]}', "fields[0].label", "string"),
    ('{"fields": [{"label": 5}]}', "fields[0].label", "string"),
    ('{"fields": [{"name": "a", "options": [[1]]}]}', "fields[0].options[0]", "object or a string"),
    ('{"fields": [{"name": "a", "required": "yes"}]}', "fields[0].required", "boolean"),
    ('{"fields": [3]}', "fields[0]", "object or a string"),
    ('{"fields": "Vorname"}', "fields", "list"),
    ('{"fields": [], "overwrite": "yes"}', "overwrite", "boolean"),
    ('{"nope": 1}', "fields", "required"),
    ("[1, 2]", "body", "object"),
    ('{"fields": [', "body", "not valid JSON"),
    ('{"fields": [{"label": "\\ud800"}]}', "fields[0].label", "unicode"),
    ('{"fields": ' + "[" * 100_000 + "]" * 100_000 + "}", "body", "nested too deeply"),
    ("", "body", "empty"),
]


@pytest.mark.parametrize("body,where,what", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_types_are_a_422_saying_where_and_what(body: str, where: str, what: str) -> None:
    af = CountingAutofill()
    r = _post(_client(af), body)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail.startswith("Invalid request: ")
    assert what.lower() in detail.lower(), detail
    assert r.json()["errors"][0]["loc"] == where, r.json()
    assert "Traceback" not in r.text and "FieldIn" not in r.text and "PrefillRequest" not in r.text
    assert af.calls == 0


def test_bad_bytes_and_content_types_are_a_422() -> None:
    c = _client()
    r = _post(c, b'{"fields": ["\xff\xfe"]}')
    assert r.status_code == 422 and "not valid JSON" in r.json()["detail"]
    r = _post(c, json.dumps({"fields": ["Vorname"]}), {"Content-Type": "text/plain"})
    assert r.status_code == 422 and "application/json" in r.json()["detail"]


def test_too_long_labels_too_many_fields_and_options() -> None:
    c = _client()
    r = _post(c, json.dumps({"fields": [{"name": "a", "label": "x" * (MAX_LABEL_CHARS + 1)}]}))
    assert r.status_code == 422 and f"fields[0].label: String should have at most {MAX_LABEL_CHARS} characters" in r.json()["detail"]
    r = _post(c, json.dumps({"fields": ["ok", "x" * (MAX_LABEL_CHARS + 1)]}))  # a plain string is a label too
    assert r.status_code == 422 and "fields[1].label" in r.json()["detail"]
    r = _post(c, json.dumps({"fields": [{"name": "n" * 501}]}))
    assert r.status_code == 422 and "fields[0].name" in r.json()["detail"]
    r = _post(c, json.dumps({"fields": ["a"] * (MAX_FIELDS + 1)}))
    assert r.status_code == 422 and f"at most {MAX_FIELDS} items" in r.json()["detail"]
    r = _post(c, json.dumps({"fields": [{"name": "c", "options": ["o"] * 2001}]}))
    assert r.status_code == 422 and "fields[0].options" in r.json()["detail"]
    many = [{"label": 1} for _ in range(30)]
    r = _post(c, json.dumps({"fields": many}))
    assert r.status_code == 422 and "and 25 more problems" in r.json()["detail"] and len(r.json()["errors"]) == 20


def test_what_browsers_send_still_works() -> None:
    """maxLength -1 (the DOM's "none"), aria-label, unknown keys, string options; real proposals come back."""
    body = {"fields": [{"name": "fn", "label": "", "aria-label": "Vorname", "maxLength": -1, "max_length": -1,
                        "xpath": "/html/body/form/input[1]", "rect": {"x": 1.5, "y": 2}},
                       {"name": "c", "type": "select", "label": "Land", "options": ["Deutschland", {"value": "fr", "label": "Frankreich"}]},
                       "E-Mail"]}
    r = _post(_client(service()), json.dumps(body))
    assert r.status_code == 200, r.text
    props = {p["field"]: p for p in r.json()["proposals"]}
    assert props["fn"]["value"] == ANNA["given-name"]
    assert props["E-Mail"]["value"] == ANNA["email"]


def test_form_files_with_wrong_types_say_so() -> None:
    """``mnemo fill form.json`` reads fields through the same FormField.from_dict: MnemoError, not ValueError."""
    for text, words in [('[{"name": "a", "max_length": "abc"}]', "'max_length' must be a whole number"),
                        ('[{"name": "a", "options": 5}]', "'options' must be a list"),
                        ('[{"name": "a", "max_length": 1e400}]', "not an infinite number"),
                        ('[{"name": "a", "max_length": NaN}]', "not NaN"),
                        ('[{"name": "a"}, {"label": {"x": 1}}]', "Field 2: 'label' must be text")]:
        with pytest.raises(MnemoError, match=words.replace("(", r"\(")):
            fields_from_json(text)
    f = FormField.from_dict({"name": "a", "maxlength": "35", "required": "true", "options": ["x", {"value": 1}]})
    assert f.max_length == 35 and f.required and [o.value for o in f.options] == ["x", "1"]
    assert FormField.from_dict({"name": "a", "max_length": -1}).max_length == 0


# ----- exact origins only ----------------------------------------------------------------

@pytest.mark.parametrize("origin,reason", [
    ("*", "every website"), ("null", "any page"), ("NULL", "any page"), ("https://*.example.com", "wildcard"),
    ("file:///home", "'null'"), ("https://example.com/path", "path"), ("garbage", "not an origin"),
    ("javascript:alert(1)", "not an origin"), ("http://localhost:99999", "port"), ("http://a b", "not an origin"),
])
def test_star_null_and_garbage_origins_are_refused_with_the_reason(origin: str, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        AutofillSettings(api_allowed_origins=["chrome-extension://abc", origin])
    assert reason in info.value.errors()[0]["msg"]
    assert not info.value.errors()[0]["msg"].startswith("Value error")


def test_exact_origins_are_kept_normalised() -> None:
    s = AutofillSettings(api_allowed_origins=[" Chrome-Extension://ABCDEF/ ", "chrome-extension://abcdef",
                                              "moz-extension://1b2c-3d", "http://localhost:3000", "http://[::1]:8080", ""])
    assert s.api_allowed_origins == ["chrome-extension://abcdef", "moz-extension://1b2c-3d", "http://localhost:3000",
                                     "http://[::1]:8080"]


def test_settings_set_and_a_stored_star_show_the_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from core.settings.store import SettingsStore

    store = SettingsStore(tmp_path / "settings.json")
    with pytest.raises(SettingsError) as info:
        store.set("autofill.api_allowed_origins", "*")
    assert "'*' would let every website read your data" in str(info.value)
    with pytest.raises(SettingsError, match="any page can send it"):
        store.set("autofill.api_allowed_origins", '["chrome-extension://abc", "null"]')
    assert store.get("autofill.api_allowed_origins") == []
    assert store.set("autofill.api_allowed_origins", "chrome-extension://abc") == ["chrome-extension://abc"]

    (tmp_path / "settings.json").write_text(json.dumps({"autofill": {"api_allowed_origins": ["*"]}}), encoding="utf-8")
    store.reload()  # a file edited by hand: the default (no origins) is used, with a warning
    assert store.get("autofill.api_allowed_origins") == [] and any("api_allowed_origins" in w for w in store.warnings)


def test_the_app_refuses_star_and_null_origins_itself() -> None:
    for origin in ("*", "null", "https://*.example.com"):
        with pytest.raises(MnemoError, match="refused"):
            create_app(CountingAutofill(), TOKEN, [origin])
