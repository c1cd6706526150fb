"""The importers fuzzed with hypothesis: for every format, random bytes, mutated valid files and
format-shaped text either parse into sections (that the chunker accepts) or raise ImportFailed
with a message; nothing else escapes, nothing hangs.

The default run is small (MNEMO_FUZZ_EXAMPLES=40 per strategy and format, three strategies);
the reported run is ``MNEMO_FUZZ_EXAMPLES=400 MNEMO_FUZZ_REPORT=/tmp/fuzz.json pytest
tests/core/test_fuzz_importers.py``. Errors that the importer itself did not turn into
ImportFailed (the registry's generic catch did) are counted in the report as findings.
"""
from __future__ import annotations

import io
import json
import os
import time
from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.documents.chunker import chunk_sections
from core.documents.importers import importer_for, parse_bytes
from core.documents.model import ParsedDocument
from core.errors import ImportFailed

N = int(os.environ.get("MNEMO_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=N, deadline=None, database=None, derandomize=not os.environ.get("MNEMO_FUZZ_RANDOM"),
                suppress_health_check=list(HealthCheck))
STATS: dict[str, Counter] = defaultdict(Counter)
SLOWEST: dict[str, float] = defaultdict(float)


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Alice Martin lives at 12 Rue de la Paix, Paris.")
    c.showPage()
    c.drawString(72, 720, "Page two: call 555-0100.")
    c.save()
    return buf.getvalue()


def _docx() -> bytes:
    import docx

    d = docx.Document()
    d.add_heading("Notes", 1)
    d.add_paragraph("My dentist is Dr. Lee, on Fridays.")
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "key", "value"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


CHATGPT = json.dumps([{"title": "Trip", "create_time": 1700000000, "current_node": "b", "mapping": {
    "a": {"id": "a", "parent": None, "children": ["b"], "message": {"author": {"role": "user"}, "create_time": 1700000000,
                                                                    "content": {"content_type": "text", "parts": ["Plan Lisbon"]}}},
    "b": {"id": "b", "parent": "a", "children": [], "message": {"author": {"role": "assistant"},
                                                             "content": {"content_type": "text", "parts": ["Sure."]}}}}}])
SEEDS: dict[str, tuple[str, bytes]] = {
    "text": ("notes.md", b"# Groceries\n\n- milk\n- bread\n\nCall mum on Sunday.\n"),
    "whatsapp": ("chat.txt", b"12/03/2023, 10:15 - Alice: Hi there\n12/03/2023, 10:16 - Bob: Hello!\n"
                             b"12/03/2023, 10:17 - Alice: Lunch?\nsecond line\n"),
    "html": ("page.html", b"<html><head><title>Me</title></head><body><h1>About</h1><p>I like <b>tea</b>.</p>"
                          b"<script>x()</script></body></html>"),
    "email": ("mail.eml", b"From: Alice <a@example.org>\nTo: bob@example.org\nSubject: Dinner\n"
                          b"Date: Tue, 1 Aug 2023 10:00:00 +0000\nContent-Type: text/plain; charset=utf-8\n\nSee you at 8.\n"),
    "mbox": ("box.mbox", b"From a@x Tue Aug  1 10:00:00 2023\nFrom: a@x\nSubject: One\n\nBody one\n>From here\n\n"
                         b"From b@x Tue Aug  1 11:00:00 2023\nFrom: b@x\nSubject: Two\n\nBody two\n"),
    "vcard": ("me.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alice Martin\r\nN:Martin;Alice;;;\r\nEMAIL;TYPE=home:a@example.org\r\n"
                        b"TEL:+33 1 23 45 67 89\r\nADR:;;12 Rue de la Paix;Paris;;75002;France\r\nBDAY:1990-04-01\r\n"
                        b"NOTE:line one\\nline two\r\n  folded\r\nEND:VCARD\r\n"),
    "csv": ("table.csv", b"name,email,city\nAlice,a@example.org,Paris\n\"Bob, Jr\",b@example.org,\"New\nYork\"\n"),
    "chatgpt": ("conversations.json", CHATGPT.encode()),
}
BINARY_SEEDS = {"pdf": ("doc.pdf", _pdf), "docx": ("doc.docx", _docx)}
_cache: dict[str, tuple[str, bytes]] = {}


def seed(fmt: str) -> tuple[str, bytes]:
    if fmt not in _cache:
        _cache[fmt] = SEEDS[fmt] if fmt in SEEDS else (BINARY_SEEDS[fmt][0], BINARY_SEEDS[fmt][1]())
    return _cache[fmt]


FORMATS = sorted([*SEEDS, *BINARY_SEEDS])


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "dup", "byte"]))
        n = len(b)
        if n == 0:
            b += draw(st.binary(min_size=1, max_size=16))
            continue
        i = draw(st.integers(0, n - 1))
        if op == "flip":
            b[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte":
            b[i] = draw(st.sampled_from([0, 0xFF, 0x0A, 0x0D, 0x22, 0x3C, 0x7B, 0x5B, 0xC3, 0x80]))
        elif op == "delete":
            del b[i:i + draw(st.integers(1, 64))]
        elif op == "insert":
            b[i:i] = draw(st.binary(max_size=64))
        elif op == "truncate":
            del b[i:]
        else:
            j = draw(st.integers(i, min(n, i + 256)))
            b[i:i] = b[i:j] * draw(st.integers(1, 20))
    return bytes(b)


TOKENS = {
    "text": ["# ", "\n", "- ", "\t", "\x00", "\ufeff", "é", "🙂", "\r\n", "```"],
    "whatsapp": ["12/03/2023, 10:15 - ", "[1/2/23, 9:05:01 PM] ", "\u200e", "Alice: ", ": ", "\n", "<Media omitted>"],
    "html": ["<p>", "</p>", "<div", ">", "<script>", "</script>", "<!--", "-->", "&amp;", "&#x10FFFF;", "<title>", "<meta charset=x>"],
    "email": ["From: ", "Subject: ", "\n", "Content-Type: multipart/mixed; boundary=b\n", "--b\n", "--b--\n",
              "Content-Transfer-Encoding: base64\n", "=?utf-8?b?", "?=", "Date: ", "charset=unknown-8bit"],
    "mbox": ["From x@y Tue Aug  1 10:00:00 2023\n", "From: ", "Subject: ", "\n", ">From ", "\n\n"],
    "vcard": ["BEGIN:VCARD\r\n", "END:VCARD\r\n", "VERSION:4.0\r\n", "FN:", "N:", ";", "\\", "\r\n ", "EMAIL;TYPE=", ":",
              "ADR:", "BDAY:", "item1.", "ENCODING=QUOTED-PRINTABLE:", "=0D=0A"],
    "csv": [",", "\"", "\n", "\t", ";", "\r", "\x00", "name", "email"],
    "chatgpt": ['[{"mapping":', '{', '}', '[', ']', '"parts":', '"current_node":', '"parent":', 'null', '1e999', ',', '"a"'],
}


def _json_value() -> st.SearchStrategy:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
    return st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.sampled_from(["mapping", "message", "content", "parts", "parent", "children", "author", "role",
                         "current_node", "create_time", "title", "a", "b"]), kids, max_size=5), max_leaves=30)


def shaped(fmt: str) -> st.SearchStrategy:
    if fmt == "chatgpt":
        return _json_value().map(lambda v: json.dumps([{"mapping": v}] if not isinstance(v, list) else v).encode())
    if fmt in TOKENS:
        part = st.sampled_from(TOKENS[fmt]) | st.text(max_size=12)
        return st.lists(part, max_size=60).map(lambda xs: "".join(xs).encode("utf-8", "surrogatepass"))
    return st.binary(max_size=4096).map(lambda b: seed(fmt)[1][:200] + b)  # a valid header, random after


def _check(fmt: str, name: str, data: bytes) -> None:
    t0 = time.perf_counter()
    STATS[fmt]["cases"] += 1
    try:
        got_fmt, doc = parse_bytes(data, name)
    except ImportFailed as exc:
        assert str(exc).strip()
        STATS[fmt]["ImportFailed"] += 1
        cause = exc.__cause__
        if cause is not None and not isinstance(cause, ImportFailed):
            STATS[fmt][f"generic catch: {type(cause).__name__}"] += 1
    else:
        assert isinstance(doc, ParsedDocument)
        assert all(isinstance(s.text, str) and isinstance(s.label, str) for s in doc.sections)
        chunks = chunk_sections(doc.sections)
        assert all(c.text.strip() for c in chunks)
        STATS[fmt][f"parsed as {got_fmt}"] += 1
    SLOWEST[fmt] = max(SLOWEST[fmt], time.perf_counter() - t0)


@pytest.mark.parametrize("fmt", FORMATS)
def test_fuzz_importer(fmt: str) -> None:
    name, data = seed(fmt)
    assert parse_bytes(data, name)[0] in (fmt, "email", "text")  # the seed itself is valid
    assert importer_for(data, name).format == ("email" if fmt == "mbox" else fmt)

    @FUZZ
    @given(st.binary(max_size=2048))
    def random_bytes(blob: bytes) -> None:
        _check(fmt, name, blob)

    @FUZZ
    @given(mutated(data))
    def mutations(blob: bytes) -> None:
        _check(fmt, name, blob)

    @FUZZ
    @given(shaped(fmt))
    def shaped_input(blob: bytes) -> None:
        _check(fmt, name, blob)

    random_bytes()
    mutations()
    shaped_input()
    assert STATS[fmt]["cases"] >= 3
    assert SLOWEST[fmt] < 30, f"{fmt}: one input took {SLOWEST[fmt]:.1f} s"


def teardown_module(_module: object) -> None:
    path = os.environ.get("MNEMO_FUZZ_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({fmt: {**STATS[fmt], "slowest_s": round(SLOWEST[fmt], 3)} for fmt in sorted(STATS)}, f, indent=1)
