"""Layout: the conversation list keeps its width with a long title; the autofill review fits its pane."""
from __future__ import annotations

FORM = """<html><body><form>
<label for=fn>First name</label><input id=fn name=first_name autocomplete=given-name>
<label for=ln>Last name</label><input id=ln name=last_name autocomplete=family-name>
<label for=em>Email</label><input id=em name=email type=email>
<label for=ph>Phone</label><input id=ph name=phone type=tel>
<label for=ci>City</label><input id=ci name=city>
<label for=pc>Postal code</label><input id=pc name=zip>
<label for=ib>IBAN</label><input id=ib name=iban>
<label for=pw>Password</label><input id=pw name=password type=password>
</form></body></html>"""
LONG_TITLE = ("Search all conversations about the long weekend in Porto with Marta, the train times, the hotel "
              "near Ribeira and the dinner on Saturday evening")


def _list_width(pane) -> int:
    return pane.list.parentWidget().width()


def test_a_long_title_does_not_squeeze_the_conversation_list(qtbot, window, ui_services):
    from ui.chat_pane import LIST_MIN_WIDTH

    window.resize(1150, 745)
    pane = window.show_pane("Chat")
    conv = ui_services.conversations
    short = conv.create().id
    conv.add_message(short, "user", "Hello")
    conv.rename(short, "Hello")
    long_id = conv.create().id
    conv.add_message(long_id, "user", "Porto?")
    conv.rename(long_id, LONG_TITLE)
    pane.refresh_list()
    pane._show_conversation(short)
    qtbot.wait(50)
    before = _list_width(pane)
    pane._show_conversation(long_id)
    qtbot.wait(50)
    assert _list_width(pane) == before >= LIST_MIN_WIDTH
    assert pane.title.text() == LONG_TITLE and pane.title.shown_text().endswith("…")
    assert pane.title.toolTip() == LONG_TITLE
    window.resize(window.minimumSize())   # the narrowest window: the list still keeps its minimum
    qtbot.wait(50)
    assert _list_width(pane) >= LIST_MIN_WIDTH


def _open(qtbot, window, ui_services, tmp_path):
    pane = window.show_pane("Autofill")
    ui_services.persona.facts.set("given-name", "Ada")
    ui_services.persona.facts.set("email", "ada@example.org")
    ui_services.persona.facts.set("address-level2", "Lisbon")
    form = tmp_path / "registration.html"
    form.write_text(FORM)
    pane.use_model.setChecked(False)
    with qtbot.waitSignal(pane.proposed, timeout=60_000):
        pane.open_form(str(form))
    qtbot.wait(50)
    return pane


def _check_fits(pane) -> None:
    from ui.autofill_pane import COLUMNS

    table = pane.table
    header = table.horizontalHeader()
    widths = {name: header.sectionSize(i) for i, name in enumerate(COLUMNS)}
    assert table.horizontalScrollBar().maximum() == 0, widths       # no sideways scrolling
    assert sum(widths.values()) <= table.viewport().width() + 1, widths
    assert widths["Note"] >= 130 and widths["Confidence"] >= table.fontMetrics().horizontalAdvance("Confidence")
    assert widths["Proposed value"] >= widths["Source"], widths      # the value is what the user reviews
    line = table.fontMetrics().height()
    for r in range(table.rowCount()):
        note = table.item(r, 4).text()
        if not note and not table.item(r, 1).text():
            assert table.rowHeight(r) <= 2 * line + 12, (r, table.rowHeight(r))   # an empty row stays short
        assert table.rowHeight(r) <= 6 * line, (r, note, table.rowHeight(r))


def test_the_review_table_fits_the_default_window(qtbot, window, ui_services, tmp_path):
    from ui.window_state import default_geometry

    window.resize(default_geometry(window.screen().availableGeometry()).size())
    pane = _open(qtbot, window, ui_services, tmp_path)
    _check_fits(pane)
    password = [r for r, p in enumerate(pane.proposals) if p.field == "password"][0]
    note = pane.table.item(password, 4)
    assert note.text() and pane.table.visualItemRect(note).right() <= pane.table.viewport().width()


def test_the_review_table_fits_the_narrowest_window_too(qtbot, window, ui_services, tmp_path):
    window.resize(window.minimumSize())
    pane = _open(qtbot, window, ui_services, tmp_path)
    _check_fits(pane)
    window.resize(1400, 900)
    qtbot.wait(50)
    _check_fits(pane)
