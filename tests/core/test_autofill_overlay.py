"""PDFs without form fields: printed labels become fields, and the values are drawn beside them as page text."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.autofill.forms import read_form, write_form
from core.autofill.model import Proposal
from core.autofill.pdf_overlay import spots
from core.errors import MnemoError

pytest.importorskip("reportlab")


def flat_pdf(path: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 780, "Membership application")
    c.setFont("Helvetica", 11)
    c.drawString(72, 740, "Full name: ______________________________")
    c.drawString(72, 710, "Date of birth:")
    c.drawString(200, 710, "________________")            # the blank is its own text run
    c.drawString(72, 680, "E-mail: ____________________  Phone: ______________")   # two fields on one line
    c.drawString(72, 650, "Note: please write in capitals")                       # text after a colon: no field
    c.drawString(72, 620, "Postcode:")
    c.showPage()
    c.setFont("Helvetica", 11)
    c.drawString(72, 740, "Signature: ..........................")
    c.save()
    return path


def positions(pdf: Path) -> dict[str, tuple[int, float, float]]:
    """Every text run of ``pdf`` -> (page, x, y)."""
    from pypdf import PdfReader

    out: dict[str, tuple[int, float, float]] = {}
    for i, page in enumerate(PdfReader(str(pdf)).pages):
        def visit(text, cm, tm, font, size, i=i):  # noqa: ANN001
            t = " ".join(text.split())
            if t:
                out.setdefault(t, (i, float(tm[4]) * float(cm[0]) + float(cm[4]),
                                   float(tm[5]) * float(cm[3]) + float(cm[5])))
        page.extract_text(visitor_text=visit)
    return out


def proposals(form, values: dict[str, str]) -> list[Proposal]:
    return [Proposal(field=f.name, label=f.label, value=values.get(f.label, ""),
                     status="filled" if values.get(f.label) else "unknown") for f in form.fields]


def test_labels_of_a_flat_pdf_are_its_fields(tmp_path):
    form = read_form(flat_pdf(tmp_path / "flat.pdf"))
    assert form.kind == "pdf-overlay"
    assert [(f.name, f.label) for f in form.fields] == [
        ("p1-1", "Full name"), ("p1-2", "Date of birth"), ("p1-3", "E-mail"), ("p1-4", "Phone"),
        ("p1-5", "Postcode"), ("p2-1", "Signature")]


def test_values_are_drawn_on_their_labels_lines(tmp_path):
    src = flat_pdf(tmp_path / "flat.pdf")
    form = read_form(src)
    values = {"Full name": "Fiona MacAllister", "Date of birth": "04/11/1986", "E-mail": "fiona@example.co.uk",
              "Phone": "07700 900481", "Postcode": "EH9 1HG"}
    out = write_form(form, proposals(form, values), tmp_path / "filled.pdf")
    got = positions(out)
    where = {s.label: s for s in spots(src)}
    for label, value in values.items():
        page, x, y = got[value]
        assert page == where[label].page and y == pytest.approx(where[label].y)
        assert x >= 72 + 5 * len(label) * 0.9   # right of its label's text
    assert got["07700 900481"][1] > got["fiona@example.co.uk"][1] + 100   # each on its own blank of the line
    assert got["Date of birth:"] and got["Membership application"]   # the page's own text is kept
    assert src.read_bytes() != out.read_bytes() and read_form(src).kind == "pdf-overlay"   # the original untouched


def test_a_value_the_standard_font_cannot_write_is_named_and_the_rest_written(tmp_path):
    src = flat_pdf(tmp_path / "flat.pdf")
    form = read_form(src)
    values = {"Full name": "Αλέξανδρος Παπαδόπουλος", "Postcode": "EH9 1HG", "Signature": "Åsa Öberg"}
    with pytest.raises(MnemoError, match="Full name"):
        write_form(form, proposals(form, values), tmp_path / "filled.pdf")
    got = positions(tmp_path / "filled.pdf")
    assert "EH9 1HG" in got and "Åsa Öberg" in got and got["Åsa Öberg"][0] == 1


def test_a_pdf_without_fields_or_labels_says_so(tmp_path):
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "scan.pdf"))
    c.rect(50, 50, 200, 200)
    c.showPage()
    c.save()
    with pytest.raises(MnemoError, match="no form fields and no labels"):
        read_form(tmp_path / "scan.pdf")
