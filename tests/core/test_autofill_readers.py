"""Form readers: HTML (labels, options, groups), PDF AcroForm (tooltips, page labels), JSON, label lists."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.autofill.forms import read_form
from core.errors import MnemoError
from tests.core.autofill_helpers import FIXTURES, make_pdf

HTML = """<html><body><form>
<label for="g">Vorname</label><input id="g" name="given" autocomplete="section-a given-name">
<label>E-Mail <input name="mail" type="email" value="old@example.org"></label>
<input name="city" placeholder="Ville">
<input name="zip" aria-label="Código postal" maxlength="5">
<table><tr><td>Company</td><td><input name="org"></td></tr></table>
<label for="c">Country</label><select id="c" name="country"><option value="">Select</option>
  <option value="DE" selected>Germany</option><option value="FR">France</option></select>
<fieldset><legend>Gender</legend><label><input type="radio" name="g2" value="f"> Female</label>
  <label><input type="radio" name="g2" value="m"> Male</label></fieldset>
<label for="n">Notes</label><textarea id="n" name="notes">hello</textarea>
<input type="hidden" name="csrf" value="x"><input type="submit" value="Go">
</form></body></html>"""


def test_html_reader_finds_labels_options_and_groups(tmp_path: Path) -> None:
    p = tmp_path / "f.html"
    p.write_text(HTML, encoding="utf-8")
    form = read_form(p)
    by = {f.name: f for f in form.fields}
    assert form.kind == "html"
    assert list(by) == ["given", "mail", "city", "zip", "org", "country", "g2", "notes", "csrf"]
    assert by["given"].label == "Vorname" and by["given"].autocomplete == "section-a given-name"
    assert by["mail"].label == "E-Mail" and by["mail"].kind == "email" and by["mail"].value == "old@example.org"
    assert by["city"].placeholder == "Ville"
    assert by["zip"].aria_label == "Código postal" and by["zip"].max_length == 5
    assert by["org"].label == "Company"
    assert [o.value for o in by["country"].options] == ["", "DE", "FR"] and by["country"].value == "DE"
    assert by["g2"].kind == "radio" and by["g2"].label == "Gender"
    assert [(o.value, o.label) for o in by["g2"].options] == [("f", "Female"), ("m", "Male")]
    assert by["notes"].kind == "textarea" and by["notes"].value == "hello"
    assert by["csrf"].kind == "hidden"


def test_pdf_reader_uses_tooltip_then_page_text(tmp_path: Path) -> None:
    p = make_pdf(tmp_path / "f.pdf", [("a", "Given name", "ignored"), ("Text2", None, "Postleitzahl"),
                                      ("Text3", None, "Wohnort")])
    form = read_form(p)
    assert form.kind == "pdf"
    assert [(f.name, f.label, f.kind) for f in form.fields] == [
        ("a", "Given name", "text"), ("Text2", "Postleitzahl", "text"), ("Text3", "Wohnort", "text")]


def test_pdf_reader_reads_choices_and_radios() -> None:
    form = read_form(FIXTURES / "forms" / "fr_dossier.pdf")
    by = {f.name: f for f in form.fields}
    assert by["civilite"].kind == "radio" and [o.value for o in by["civilite"].options] == ["M", "Mme"]
    assert by["pays"].kind == "select" and "France" in [o.value for o in by["pays"].options]


def test_json_and_label_list(tmp_path: Path) -> None:
    j = tmp_path / "f.json"
    j.write_text(json.dumps({"fields": [{"name": "e", "label": "Email", "type": "email"}, "Phone",
                                        {"id": "c", "options": ["DE", {"value": "FR", "label": "France"}]}]}))
    fields = read_form(j).fields
    assert [(f.name, f.kind, f.label) for f in fields] == [("e", "email", "Email"), ("Phone", "text", "Phone"),
                                                            ("c", "text", "")]
    assert [(o.value, o.label) for o in fields[2].options] == [("DE", "DE"), ("FR", "France")]
    t = tmp_path / "labels.txt"
    t.write_text("# a comment\nFirst name\n\nCity\n", encoding="utf-8")
    form = read_form(t)
    assert form.kind == "labels" and [f.label for f in form.fields] == ["First name", "City"]


def test_bad_inputs_are_reported(tmp_path: Path) -> None:
    with pytest.raises(MnemoError, match="does not exist"):
        read_form(tmp_path / "nope.pdf")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(MnemoError, match="not valid JSON"):
        read_form(bad)
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(MnemoError):
        read_form(junk)
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "plain.pdf"))
    c.drawString(100, 700, "no fields")
    c.save()
    with pytest.raises(MnemoError, match="no form fields"):
        read_form(tmp_path / "plain.pdf")


def test_html_fields_know_the_heading_or_legend_they_sit_under(tmp_path) -> None:
    from core.autofill.forms import read_form

    page = tmp_path / "f.html"
    page.write_text("<form><h3>Ihre Angaben</h3><label for=a>Name</label><input id=a name=a>"
                    "<fieldset><legend>Geburtsdatum</legend><label for=d>Tag</label><select id=d name=d><option>1</option></select>"
                    "</fieldset><h3>Notfallkontakt</h3><label for=n>Name</label><input id=n name=n></form>", encoding="utf-8")
    sections = [f.section for f in read_form(page).fields]
    assert sections == ["Ihre Angaben", "Geburtsdatum", "Notfallkontakt"]
