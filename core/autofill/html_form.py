"""HTML forms: read every control with what labels it (beautifulsoup4), and write values back.

Reading and writing walk the page the same way (``_controls``), so a field's name found
when reading finds the same element when writing. Radio buttons and checkboxes that
share a name are one field whose options are the buttons.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from core.autofill.model import Form, FormField, Option, Proposal
from core.errors import MnemoError

_SKIP_TYPES = {"submit", "button", "reset", "image"}


def _soup(text: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(text, "html.parser")


def _clean(text: str | None) -> str:
    return " ".join((text or "").split()).strip(" :*")


def _controls(soup) -> Iterator[tuple[str, str, list]]:
    """Yield (field name, kind, elements) in document order; a radio/checkbox group once."""
    groups: dict[str, list] = {}
    used: set[str] = set()
    order: list[tuple[str, str, list]] = []
    for i, el in enumerate(soup.find_all(["input", "select", "textarea"])):
        if el.name == "input":
            kind = (el.get("type") or "text").lower()
            if kind in _SKIP_TYPES:
                continue
        elif el.name == "select":
            kind = "select"
        else:
            kind = "textarea"
        base = el.get("name") or el.get("id") or f"field-{i + 1}"
        if kind in ("radio", "checkbox") and el.get("name"):
            key = f"{kind}:{base}"
            if key in groups:
                groups[key].append(el)
                continue
            groups[key] = [el]
            name = base if base not in used else f"{base}#{i + 1}"
            used.add(name)
            order.append((name, kind, groups[key]))
            continue
        name = base if base not in used else f"{base}#{i + 1}"
        used.add(name)
        order.append((name, kind, [el]))
    yield from order


def _label_for(soup, el) -> str:
    """The text that labels ``el``: <label for>, a wrapping <label>, aria-labelledby, title, nearby text."""
    el_id = el.get("id")
    if el_id:
        lab = soup.find("label", attrs={"for": el_id})
        if lab is not None:
            return _clean(lab.get_text(" "))
    parent = el.find_parent("label")
    if parent is not None:
        texts = [t for t in parent.find_all(string=True) if t.find_parent(["select", "option", "textarea"]) is None]
        return _clean(" ".join(texts))
    ids = (el.get("aria-labelledby") or "").split()
    if ids:
        parts = [soup.find(id=i) for i in ids]
        return _clean(" ".join(p.get_text(" ") for p in parts if p is not None))
    if el.get("title"):
        return _clean(el["title"])
    # A table cell or a bare text node just before the control.
    cell = el.find_parent(["td", "dd"])
    if cell is not None:
        prev = cell.find_previous_sibling(["td", "th", "dt"])
        if prev is not None:
            return _clean(prev.get_text(" "))
    prev_text = el.find_previous(string=True)
    if prev_text is not None and prev_text.parent is not None and prev_text.parent.name not in ("option", "script", "style", "label", "legend", "title"):
        return _clean(str(prev_text))[:80]
    return ""


def _group_label(soup, els: list) -> str:
    fs = els[0].find_parent("fieldset")
    if fs is not None and fs.find("legend") is not None:
        return _clean(fs.find("legend").get_text(" "))
    group = els[0].find_parent(attrs={"role": ["radiogroup", "group"]})
    if group is not None:
        if group.get("aria-label"):
            return _clean(group["aria-label"])
        if group.get("aria-labelledby"):
            ref = soup.find(id=group["aria-labelledby"].split()[0])
            if ref is not None:
                return _clean(ref.get_text(" "))
    # The text before the first button that is not one of the buttons' own labels.
    prev = els[0].find_previous(string=lambda s: bool(s and s.strip()))
    if prev is not None and prev.find_parent("label") is None:
        return _clean(str(prev))[:80]
    return ""


def _section(el) -> str:
    """The legend of the fieldset around ``el``, else the nearest heading before it."""
    fs = el.find_parent("fieldset")
    if fs is not None and fs.find("legend") is not None:
        return _clean(fs.find("legend").get_text(" "))
    heading = el.find_previous(["h2", "h3", "h4", "h5"])
    return _clean(heading.get_text(" "))[:80] if heading is not None else ""


def read_html(path: Path) -> Form:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise MnemoError(f"Cannot read the form {path} ({exc}).", "Check the path and permissions.") from exc
    soup = _soup(text)
    fields: list[FormField] = []
    for name, kind, els in _controls(soup):
        el = els[0]
        f = FormField(name=name, kind=kind, autocomplete=(el.get("autocomplete") or "").strip(),
                      html_name=el.get("name") or "", html_id=el.get("id") or "",
                      placeholder=_clean(el.get("placeholder")), aria_label=_clean(el.get("aria-label")),
                      required=el.has_attr("required"), pattern=el.get("pattern") or "", section=_section(el))
        if el.get("maxlength", "").isdigit():
            f.max_length = int(el["maxlength"])
        if kind == "select":
            for o in el.find_all("option"):
                label = _clean(o.get_text(" "))
                value = o.get("value", label)
                f.options.append(Option(value, label))
                if o.has_attr("selected") and value:
                    f.value = value
            f.label = _label_for(soup, el)
        elif kind in ("radio", "checkbox"):
            for b in els:
                f.options.append(Option(b.get("value", "on"), _label_for(soup, b)))
                if b.has_attr("checked"):
                    f.value = b.get("value", "on")
            f.label = _group_label(soup, els) if len(els) > 1 or kind == "radio" else f.options[0].label
        elif kind == "textarea":
            f.value = el.get_text()
            f.label = _label_for(soup, el)
        else:
            f.value = el.get("value", "")
            f.label = _label_for(soup, el)
        fields.append(f)
    return Form(kind="html", path=str(path), fields=fields)


def write_html(src: Path, proposals: list[Proposal], out: Path) -> None:
    """Write ``src`` with the proposed values set to ``out``."""
    soup = _soup(Path(src).read_text(encoding="utf-8", errors="replace"))
    values = {p.field: p.value for p in proposals if p.filled}
    for name, kind, els in _controls(soup):
        if name not in values:
            continue
        value = values[name]
        el = els[0]
        if kind == "select":
            for o in el.find_all("option"):
                if o.get("value", _clean(o.get_text(" "))) == value:
                    o["selected"] = "selected"
                elif o.has_attr("selected"):
                    del o["selected"]
        elif kind in ("radio", "checkbox"):
            for b in els:
                if b.get("value", "on") == value:
                    b["checked"] = "checked"
                elif b.has_attr("checked") and kind == "radio":
                    del b["checked"]
        elif kind == "textarea":
            el.string = value
        else:
            el["value"] = value
    Path(out).write_text(str(soup), encoding="utf-8")
