"""``mnemo fill`` end to end: facts in the persona, a PDF and an HTML form filled, corrections accepted."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli.main import main
from tests.core.autofill_helpers import FIXTURES

FACTS = {"given-name": "Anna", "family-name": "Schmidt", "email": "anna.schmidt@example.de", "address-level2": "Berlin",
         "postal-code": "10115", "country-name": "Germany", "bday": "1988-03-14", "tel": "+49 30 1234567"}


def _seed(home: Path) -> None:
    from app.services import Services

    with Services(home) as s:
        for k, v in FACTS.items():
            s.persona.facts.set(k, v)


@pytest.mark.slow
def test_fill_html_and_pdf_then_accept_corrections(home: Path, tmp_path: Path, capsys) -> None:
    _seed(home)
    form = tmp_path / "anmeldung.html"
    shutil.copy(FIXTURES / "forms" / "de_anmeldung.html", form)
    before = form.read_bytes()
    assert main(["fill", str(form), "--no-model", "--out", str(tmp_path / "filled.html")]) == 0
    table = capsys.readouterr().out
    assert "Anna" in table and "Kreditkartennummer" in table and "refused" in table
    assert form.read_bytes() == before
    from core.autofill.forms import read_form

    got = {f.name: f.value for f in read_form(tmp_path / "filled.html").fields}
    assert got["vorname"] == "Anna" and got["plz"] == "10115" and got["land"] == "de"
    assert got["geburtsdatum"] == "14.03.1988" and got["kk"] == "" and got["notfall"] == ""

    pdf = FIXTURES / "forms" / "de_antrag.pdf"
    assert main(["fill", str(pdf), "--no-model", "--out", str(tmp_path / "antrag.pdf")]) == 0
    capsys.readouterr()
    from pypdf import PdfReader

    fields = PdfReader(str(tmp_path / "antrag.pdf")).get_fields()
    assert fields["Feld1"]["/V"] == "Anna" and fields["Feld2"]["/V"] == "Schmidt" and fields["Feld6"]["/V"] == "Berlin"
    assert not fields["Feld11"].get("/V")  # IBAN: no such fact, and sensitive anyway

    # Review as JSON, correct the city, accept: the fact changes and is pinned.
    assert main(["fill", str(form), "--no-model", "--json"]) == 0
    review = json.loads(capsys.readouterr().out)
    for row in review["fields"]:
        if row["name"] == "ort":
            row["value"] = "Potsdam"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(review), encoding="utf-8")
    assert main(["fill", str(form), "--accept", str(edited), "--out", str(tmp_path / "final.html")]) == 0
    assert "address-level2 = Potsdam" in capsys.readouterr().out
    from app.services import Services

    with Services(home) as s:
        rec = s.persona.facts.get("address-level2")
        assert rec.value == "Potsdam" and rec.pinned
    assert {f.name: f.value for f in read_form(tmp_path / "final.html").fields}["ort"] == "Potsdam"


def test_serve_is_off_by_default_and_token_is_stable(home: Path, capsys) -> None:
    assert main(["serve"]) == 2
    assert "api_enabled" in capsys.readouterr().err
    assert main(["api-token"]) == 0
    t1 = capsys.readouterr().out.strip()
    assert main(["api-token"]) == 0
    assert capsys.readouterr().out.strip() == t1 and len(t1) >= 32


def test_bad_form_is_reported(home: Path, tmp_path: Path, capsys) -> None:
    assert main(["fill", str(tmp_path / "missing.pdf")]) == 2
    assert "does not exist" in capsys.readouterr().err
