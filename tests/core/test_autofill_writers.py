"""Form writers: filled PDFs show their values (read back with pypdf), HTML gets values set, JSON for review."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.autofill.forms import read_form, write_form
from core.autofill.model import Proposal
from core.errors import MnemoError
from tests.core.autofill_helpers import FIXTURES, make_pdf


def _p(field: str, value: str) -> Proposal:
    return Proposal(field=field, label=field, value=value, status="filled", source="fact", confidence=0.9)


def test_filled_pdf_shows_values_in_any_viewer(tmp_path: Path) -> None:
    from pypdf import PdfReader

    src = make_pdf(tmp_path / "f.pdf", [("given", "Vorname", "Vorname"), ("city", "Ort", "Ort"), ("left", "Other", "x")])
    before = src.read_bytes()
    form = read_form(src)
    out = write_form(form, [_p("given", "Anna"), _p("city", "Berlin")], tmp_path / "out.pdf")
    assert src.read_bytes() == before  # the original is never touched
    r = PdfReader(str(out))
    fields = r.get_fields()
    assert fields["given"]["/V"] == "Anna" and fields["city"]["/V"] == "Berlin"
    assert not fields["left"].get("/V")
    assert r.trailer["/Root"]["/AcroForm"]["/NeedAppearances"] == True  # noqa: E712 (a pypdf BooleanObject)
    # Each filled widget carries an appearance stream that draws the value.
    drawn = {}
    for a in r.pages[0]["/Annots"]:
        w = a.get_object()
        drawn[str(w["/T"])] = w["/AP"]["/N"].get_object().get_data()
    assert b"(Anna)" in drawn["given"] and b"(Berlin)" in drawn["city"]


def test_filled_pdf_choice_and_radio(tmp_path: Path) -> None:
    from pypdf import PdfReader

    form = read_form(FIXTURES / "forms" / "fr_dossier.pdf")
    out = write_form(form, [_p("pays", "France"), _p("civilite", "Mme"), _p("prenom", "Julien")], tmp_path / "o.pdf")
    fields = PdfReader(str(out)).get_fields()
    assert fields["pays"]["/V"] == "France" and fields["prenom"]["/V"] == "Julien"
    assert fields["civilite"]["/V"] == "/Mme"


def test_html_writer_sets_values(tmp_path: Path) -> None:
    src = tmp_path / "f.html"
    shutil.copy(FIXTURES / "forms" / "es_registro.html", src)
    form = read_form(src)
    out = write_form(form, [_p("f1", "Lucía"), _p("f8", "ES"), _p("sexo", "m"), _p("f9", "1992-07-21")], tmp_path / "o.html")
    again = {f.name: f for f in read_form(out).fields}
    assert again["f1"].value == "Lucía" and again["f8"].value == "ES" and again["sexo"].value == "m"
    assert again["f9"].value == "1992-07-21" and again["f2"].value == ""


def test_json_writer_and_guard_against_overwriting(tmp_path: Path) -> None:
    src = tmp_path / "labels.txt"
    src.write_text("First name\nCity\n", encoding="utf-8")
    form = read_form(src)
    out = write_form(form, [_p("First name", "Anna")], tmp_path / "o.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(r["name"], r["value"], r["proposed"]) for r in data["fields"]] == [("First name", "Anna", "Anna"), ("City", "", "")]
    txt = write_form(form, [_p("First name", "Anna")], tmp_path / "o.txt")
    assert txt.read_text(encoding="utf-8") == "First name: Anna\nCity: \n"
    with pytest.raises(MnemoError, match="overwrite the original"):
        write_form(form, [], src)
