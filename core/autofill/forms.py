"""Read any supported form into fields, and write proposals back in the form's own format.

PDF (AcroForm), HTML, JSON field descriptors (a list, or ``{"fields": [...]}``) and plain
label lists (one label a line). The original file is never written to.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.autofill.html_form import read_html, write_html
from core.autofill.model import Form, FormField, Proposal
from core.autofill.pdf_form import read_pdf, write_pdf
from core.autofill.pdf_overlay import read_overlay, write_overlay
from core.errors import MnemoError

_HTML = {".html", ".htm", ".xhtml"}


def form_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "pdf"
    if suffix in _HTML:
        return "html"
    if suffix == ".json":
        return "json"
    head = path.read_bytes()[:512] if path.exists() else b""
    if head.startswith(b"%PDF"):
        return "pdf"
    if b"<form" in head.lower() or b"<html" in head.lower() or b"<input" in head.lower():
        return "html"
    return "labels"


def read_form(path: str | Path) -> Form:
    """Read ``path`` (PDF, HTML, JSON or a label list) into a ``Form``."""
    path = Path(path)
    if not path.is_file():
        raise MnemoError(f"The form {path} does not exist.", "Check the path.")
    kind = form_kind(path)
    if kind == "pdf":
        form = read_pdf(path)
        if form.fields:
            return form
        form = read_overlay(path)   # no AcroForm: the printed labels are the fields, values drawn beside them
        if not form.fields:
            raise MnemoError(f"The PDF {path} has no form fields and no labels to write beside (such as "
                             "'Name: ____'); a scanned page has no text Mnemo can read.",
                             "List the labels in a text file (one per line) and fill that instead.")
        return form
    if kind == "html":
        return read_html(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    if kind == "json":
        return Form(kind="json", path=str(path), fields=fields_from_json(text, str(path)))
    labels = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return Form(kind="labels", path=str(path), fields=[FormField(name=lab, label=lab) for lab in labels])


def fields_from_json(text: str, where: str = "the JSON") -> list[FormField]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MnemoError(f"{where} is not valid JSON ({exc}).", "Give a list of field objects or {\"fields\": [...]}.") from exc
    return fields_from_data(data, where)


def fields_from_data(data: object, where: str = "the request") -> list[FormField]:
    if isinstance(data, dict):
        data = data.get("fields")
    if not isinstance(data, list):
        raise MnemoError(f"{where} holds no list of fields.", "Give a list of field objects or {\"fields\": [...]}.")
    fields: list[FormField] = []
    used: set[str] = set()
    for i, d in enumerate(data):
        if isinstance(d, str):
            d = {"label": d}
        if not isinstance(d, dict):
            raise MnemoError(f"Field {i + 1} in {where} is not an object.", "Each field is an object with name/label/type/autocomplete.")
        f = FormField.from_dict(d, i)
        if f.name in used:
            f.name = f"{f.name}#{i + 1}"
        used.add(f.name)
        fields.append(f)
    return fields


def write_form(form: Form, proposals: list[Proposal], out: str | Path) -> Path:
    """Write the filled form to ``out`` (a new file; never the original)."""
    out = Path(out)
    if out.resolve() == Path(form.path).resolve():
        raise MnemoError("The filled form would overwrite the original.", "Give --out another file name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    suffix = out.suffix.lower()
    if suffix == ".json" or form.kind in ("json", "labels"):
        if suffix == ".txt" and form.kind == "labels":
            by = {p.field: p.value for p in proposals}
            out.write_text("".join(f"{f.label}: {by.get(f.name, '')}\n" for f in form.fields), encoding="utf-8")
            return out
        out.write_text(json.dumps(filled_json(form, proposals), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return out
    if form.kind == "pdf":
        write_pdf(Path(form.path), proposals, out, form.fields)
    elif form.kind == "pdf-overlay":
        skipped = write_overlay(Path(form.path), proposals, out)
        if skipped:
            raise MnemoError(f"Wrote {out}, but without the values of {', '.join(skipped)}: the PDF's standard font "
                             "cannot write their letters.", "Copy those values into the form by hand.")
    elif form.kind == "html":
        write_html(Path(form.path), proposals, out)
    return out


def filled_json(form: Form, proposals: list[Proposal]) -> dict:
    """The review file: every field, its proposal, and where it came from (``--accept`` reads it back)."""
    by = {p.field: p for p in proposals}
    rows = []
    for f in form.fields:
        p = by.get(f.name)
        row = {"name": f.name, "label": f.label, "type": f.kind, "autocomplete": f.autocomplete,
               "value": p.value if p else "", "key": p.key if p else "", "source": p.source if p else "",
               "source_ref": p.source_ref if p else "", "confidence": round(p.confidence, 3) if p else 0.0,
               "sensitive": p.sensitive if p else False, "status": p.status if p else "", "proposed": p.value if p else "",
               "match": p.match if p else "", "note": p.note if p else ""}
        if f.options:
            row["options"] = [{"value": o.value, "label": o.label} for o in f.options]
        rows.append(row)
    return {"form": form.path, "kind": form.kind, "fields": rows}
