"""Memory pane with the real persona service: facts (edit, pin, forget, masked), topics, biography."""
from __future__ import annotations


def _pane(window):
    return window.show_pane("Memory")


def _row(view, key):
    return next(i for i, r in enumerate(view.records) if r.key == key)


def test_facts_add_edit_pin_forget_and_mask(qtbot, window, ui_services):
    pane = _pane(window)
    facts = pane.facts
    assert facts.stack.currentWidget() is facts.empty
    facts.new_key.setText("favorite-food")
    facts.new_value.setText("ramen")
    facts.add_button.click()
    facts.new_key.setText("iban")
    facts.new_value.setText("PT50 0002 0123 1234 5678 9015 4")
    facts.add_from_inputs()
    assert facts.stack.currentWidget() is facts.table and facts.table.rowCount() == 2
    iban = facts.table.item(_row(facts, "iban"), 1)
    assert "5678" not in iban.text() and not (iban.flags() & __import__("PySide6.QtCore").QtCore.Qt.ItemFlag.ItemIsEditable)
    facts.reveal.setChecked(True)
    assert "5678" in facts.table.item(_row(facts, "iban"), 1).text()
    facts.reveal.setChecked(False)
    # double-click editing a value stores the correction (pinned, with history)
    facts.table.item(_row(facts, "favorite-food"), 1).setText("pho")
    rec = ui_services.persona.facts.get("favorite-food")
    assert rec.value == "pho" and rec.pinned and rec.history and rec.history[0].value == "ramen"
    facts.table.selectRow(_row(facts, "favorite-food"))
    assert "ramen" in facts.history.text()
    facts.toggle_pin()
    assert not ui_services.persona.facts.get("favorite-food").pinned
    facts.table.selectRow(_row(facts, "favorite-food"))
    facts.forget_selected(confirm=False)
    assert ui_services.persona.facts.get("favorite-food") is None and facts.table.rowCount() == 1
    # a bad key is explained, not crashed on
    facts.set_fact("!!!", "x")
    assert window.message_bar.kind == "error" and "usable fact key" in window.message_bar.title.text()


def test_biography_edit_and_topics_tab(qtbot, window, ui_services):
    pane = _pane(window)
    pane.tabs.setCurrentWidget(pane.biography)
    bio = pane.biography
    bio.first.setPlainText("I live in Lisbon and play the cello.")
    bio.save()
    assert ui_services.persona.bio.get().first_person.startswith("I live in Lisbon")
    assert "edited by you" in bio.state.text()
    pane.tabs.setCurrentWidget(pane.topics)
    assert pane.topics.stack.currentIndex() == 0            # empty state with a hint
    assert "Topics are" in pane.topics.empty.hint.text()
    job = pane.topics.rebuild()
    assert job is not None and not pane.topics.rebuild_button.isEnabled()
    qtbot.waitUntil(lambda: job.finished, timeout=60_000)
    assert job.error is None and pane.topics.rebuild_button.isEnabled()


def test_not_available_tabs_say_so(qtbot, window):
    pane = _pane(window)
    from ui.widgets.empty_state import EmptyState

    for i in range(pane.tabs.count()):
        w = pane.tabs.widget(i)
        if isinstance(w, EmptyState):
            assert "not available yet" in w.title.text()


def test_a_cited_memory_opens_in_the_memories_tab(qtbot, window, ui_services):
    memory = ui_services.memory
    a = memory.store.add("Ada plays the cello.", [], [], None, "1 May 2026")
    b = memory.store.add("Ada lives in Lisbon.", [], [], None, "2 May 2026")
    chat = window.show_pane("Chat")
    chat._show_memory(f"memory:{a.id}")
    pane = window.panes["Memory"]
    assert window.stack.currentWidget() is pane and pane.tabs.currentWidget() is pane.memories
    assert pane.memories.selected_id() == a.id and pane.memories.list.count() == 2
    assert b.id in [m.id for m in pane.memories.items]


def test_the_facts_tab_shows_who_mnemo_thinks_you_are_and_takes_a_correction(qtbot, window, ui_services):
    from core.persona.owner import Owner
    from ui.widgets.owner_view import owner_text

    pane = window.show_pane("Memory")
    bar = pane.facts.owner
    assert "does not know who you are" in bar.label.text() and not bar.confirm_button.isVisibleTo(pane)
    shown = owner_text(Owner(name="Ada Novak", emails=["ada@example.org"], evidence=["sender of 14 of your sent mails"]))
    assert "Ada Novak" in shown and "sender of 14 of your sent mails" in shown and "confirmed" not in shown
    with qtbot.waitSignal(bar.changed, timeout=30_000):
        bar.set_owner("Ada Novak", ["ada@example.org"])
    qtbot.waitUntil(lambda: bar.job is not None and not bar.job.running, timeout=30_000)
    owner = ui_services.persona.owner()
    assert owner.confirmed and owner.name == "Ada Novak" and owner.emails == ["ada@example.org"]
    assert "confirmed by you" in bar.label.text() and "Ada Novak" in bar.label.text()
