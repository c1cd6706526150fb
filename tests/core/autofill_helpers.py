"""Shared bits of the autofill tests: a persona's facts and small forms built on the fly."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from core.autofill import AutofillService, StaticFacts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "autofill"

ANNA = {"given-name": "Anna", "family-name": "Schmidt", "email": "anna.schmidt@example.de", "tel": "+49 30 1234567",
        "street-address": "Lindenstraße 12", "address-level2": "Berlin", "postal-code": "10115",
        "country-name": "Germany", "bday": "1988-03-14", "organization": "Nordlicht GmbH",
        "organization-title": "Software Engineer", "iban": "DE89370400440532013000"}


def settings(**kw):
    base = dict(fill_sensitive=False, overwrite_existing=False, min_confidence=0.5, api_enabled=False,
                api_port=8765, api_allowed_origins=[])
    base.update(kw)
    return SimpleNamespace(**base)


def service(facts: StaticFacts | None = None, embedder=None, llm=None, search=None, **kw) -> AutofillService:
    cfg = settings(**kw)
    facts = facts if facts is not None else StaticFacts(ANNA, sensitive=["iban"])
    return AutofillService(settings=lambda: cfg, facts=lambda: facts, embedder=(lambda: embedder) if embedder is not None else None,
                           llm=(lambda: llm) if llm is not None else None,
                           search=search)


def make_pdf(path: Path, fields: list[tuple[str, str | None, str]], title: str = "Form") -> Path:
    """A one-page AcroForm PDF: (field name, tooltip or None, label drawn left of the box)."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.drawString(60, 800, title)
    y = 760
    for name, tip, label in fields:
        c.drawString(60, y + 5, label)
        kw = {"tooltip": tip} if tip else {}
        c.acroForm.textfield(name=name, x=260, y=y, width=240, height=18, **kw)
        y -= 40
    c.save()
    return path
