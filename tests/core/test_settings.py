"""Settings: round-trip, validation with the allowed range, unknown keys reported and kept."""
from __future__ import annotations

import json

import pytest

from core.errors import SettingsError
from core.settings import SettingsStore


def test_round_trip(tmp_path):
    path = tmp_path / "settings.json"
    store = SettingsStore(path)
    store.set("generation.temperature", "0.2")
    store.set("model.flash_attn", "on")
    store.set("documents.watched_folders", '["/a", "/b"]')
    again = SettingsStore(path)
    assert again.get("generation.temperature") == 0.2
    assert again.get("model.flash_attn") is True
    assert again.get("documents.watched_folders") == ["/a", "/b"]
    assert again.warnings == []


def test_bad_value_refused_with_range_and_file_unchanged(tmp_path):
    path = tmp_path / "settings.json"
    store = SettingsStore(path)
    store.set("retrieval.top_k", "30")
    before = path.read_text()
    with pytest.raises(SettingsError) as err:
        store.set("retrieval.top_k", "5000")
    assert "between 1 and 200" in str(err.value)
    with pytest.raises(SettingsError):
        store.set("interface.theme", "purple")
    with pytest.raises(SettingsError) as err2:
        store.set("nope.key", "1")
    assert "Sections" in str(err2.value)
    assert path.read_text() == before
    assert store.get("retrieval.top_k") == 30


def test_update_is_all_or_nothing(tmp_path):
    store = SettingsStore(tmp_path / "s.json")
    with pytest.raises(SettingsError):
        store.update({"generation.top_p": "0.5", "generation.top_k": "-3"})
    assert store.get("generation.top_p") == 0.9


def test_unknown_and_invalid_keys_reported_not_dropped(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "generation": {"temperature": 9, "colour": "red"}, "extra": {"x": 1}}))
    store = SettingsStore(path)
    text = " ".join(store.warnings)
    assert "generation.colour" in text and "extra" in text and "temperature" in text
    assert store.get("generation.temperature") == 0.7  # default used for the invalid value
    store.set("generation.top_k", "10")
    saved = json.loads(path.read_text())
    assert saved["generation"]["colour"] == "red" and saved["extra"] == {"x": 1}


def test_every_field_has_title_description_and_bounds(tmp_path):
    store = SettingsStore(tmp_path / "s.json")
    infos = store.list()
    assert len(infos) > 40
    sections = {i.key.split(".")[0] for i in infos}
    assert {"model", "generation", "retrieval", "reflection", "decoder", "autofill", "privacy", "interface"} <= sections
    for i in infos:
        assert i.title and i.description, i.key
        if i.kind in ("int", "float"):
            assert i.minimum is not None and i.maximum is not None, i.key


def test_corrupt_file_is_kept_aside(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    store = SettingsStore(path)
    assert store.warnings and (tmp_path / "settings.json.unreadable").exists()
