"""Settings pane: a server's API key and the Chroma token go to the keyring, are never shown back, can be removed."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit


def _shown_text(pane) -> str:
    return " ".join([l.text() for l in pane.findChildren(QLabel)] + [e.text() for e in pane.findChildren(QLineEdit)])


def test_api_key_is_stored_in_the_keyring_and_never_shown(qtbot, services):
    from ui.settings_pane import SettingsPane

    pane = SettingsPane(services)
    qtbot.addWidget(pane)
    assert set(pane.secret_fields) == {"model.api_key", "storage.chroma_token"}
    field = pane.secret_fields["model.api_key"]
    assert field.edit.echoMode() == QLineEdit.EchoMode.Password
    assert "None stored" in field.state.text() and not field.remove_button.isEnabled()
    field.edit.setText("sk-remote-1234")
    field.edit.textEdited.emit("sk-remote-1234")
    assert field.store_button.isEnabled()
    with qtbot.waitSignal(field.changed, timeout=5000):
        field.store_button.click()
    assert services.secrets.get("model.api_key") == "sk-remote-1234"
    assert field.edit.text() == "" and "Stored in" in field.state.text() and field.remove_button.isEnabled()
    assert "sk-remote-1234" not in _shown_text(pane)
    assert not services.paths.settings.exists() or "sk-remote" not in services.paths.settings.read_text()
    assert services.secrets.get("storage.chroma_token") is None   # the other secret is untouched

    again = SettingsPane(services)   # a new pane: says a value is stored, shows nothing of it
    qtbot.addWidget(again)
    assert "Stored in" in again.secret_fields["model.api_key"].state.text()
    assert "sk-remote-1234" not in _shown_text(again)
    again.secret_fields["model.api_key"].remove_button.click()
    assert services.secrets.get("model.api_key") is None
    assert "None stored" in again.secret_fields["model.api_key"].state.text()
