"""Autofill pane with the real autofill and persona services: open, review, correct, save, remember."""
from __future__ import annotations

FORM = """<html><body><form>
<label for=fn>First name</label><input id=fn name=first_name autocomplete=given-name>
<label for=em>Email</label><input id=em name=email type=email>
<label for=ci>City</label><input id=ci name=city>
<label for=pw>Password</label><input id=pw name=password type=password>
</form></body></html>"""


def test_open_review_correct_save_and_remember(qtbot, window, ui_services, tmp_path):
    pane = window.show_pane("Autofill")
    ui_services.persona.facts.set("given-name", "Ada")
    ui_services.persona.facts.set("email", "ada@example.org")
    form = tmp_path / "signup.html"
    form.write_text(FORM)
    assert pane.stack.currentWidget() is pane.empty and not pane.save_button.isEnabled()
    pane.use_model.setChecked(False)
    with qtbot.waitSignal(pane.proposed, timeout=60_000) as blocker:
        pane.open_form(str(form))
    proposals = blocker.args[0]
    assert [p.field for p in proposals] == ["first_name", "email", "city", "password"]
    values = pane.values()
    assert values["first_name"] == "Ada" and values["email"] == "ada@example.org" and values["password"] == ""
    assert "Profile · First name" in pane.table.item(0, 2).text()
    assert "2 of 4 fields filled" in pane.summary.text()
    pane.set_value("city", "Lisbon")
    assert "3 of 4" in pane.summary.text() and "1 changed by you" in pane.summary.text()
    out = pane.save(str(tmp_path / "signup-filled.html"))
    html = out.read_text()
    assert "Lisbon" in html and "ada@example.org" in html
    assert form.read_text() == FORM                                  # the original is untouched
    learned = {r.key: r.value for r in ui_services.persona.facts.all()}
    assert "Lisbon" in learned.values()
    assert "Saved" in window.message_bar.title.text()


def test_unreadable_form_is_reported(qtbot, window, tmp_path):
    pane = window.show_pane("Autofill")
    with qtbot.waitSignal(pane.proposed, timeout=30_000) as blocker:
        pane.open_form(str(tmp_path / "missing.pdf"))
    assert isinstance(blocker.args[0], Exception)
    assert window.message_bar.kind == "error" and "does not exist" in window.message_bar.title.text()
