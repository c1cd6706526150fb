"""The settings schema without pydantic: bounds, choices, unknown fields, the origin rule, checks on assignment,
and the same values accepted and the same words of refusal as the pydantic schema it replaced."""
from __future__ import annotations

import copy
import dataclasses
import json
import math
from typing import Any

import pytest

from core.errors import SettingsError
from core.settings import InvalidSetting, Settings, SettingsStore
from core.settings.fields import FieldSpec, specs
from core.settings.schema import AutofillSettings, DecoderSettings, InterfaceSettings, ModelSettings, RetrievalSettings

SECTIONS = {name: spec.type for name, spec in specs(Settings).items()}
VALUES: list[Any] = [
    True, False, 0, 1, 2, -1, 30, 5000, 10**30, 2.0, 2.5, 0.0, 1.0, 0.5, 1e-7, float("nan"), float("inf"), None,
    "30", " 30 ", "30.0", "30.", "2.5", "3e1", "1_000", "1__0", "+5", "-30.0", "0x10", "007", "abc", "", "  ", "nan",
    "inf", "1e-7", "  0.2", "0.2 ", ".5", "on", "off", "yes", "no", "t", "f", "y", "n", "TRUE", "On", " true", "1", "0",
    "2", "cpu", "CPU", "auto", "dark", "embedded", "openai", "chroma-server", b"x", [], ["a"], ["a", 1], ("a",),
    {"a"}, {"k": 1}, ["/a", "/b"], ["chrome-extension://abc"],
]


def _ours(spec: FieldSpec, value: Any) -> tuple[Any, ...]:
    try:
        out = dataclasses.replace(spec, check=None).validate(value)
    except InvalidSetting as exc:
        return ("refused", exc.reason)
    return ("ok", type(out), "nan" if isinstance(out, float) and math.isnan(out) else out)


def _twin(cls: type) -> Any:
    """The section as the pydantic model it was (same types, defaults and bounds; extra forbidden)."""
    from pydantic import ConfigDict, Field, create_model

    fields: dict[str, Any] = {}
    for name, f in specs(cls).items():
        if f.kind == "list":
            fields[name] = (f.type, Field(default_factory=list))
        else:
            fields[name] = (f.type, Field(f.default(), ge=f.minimum, le=f.maximum))
    return create_model(cls.__name__, __config__=ConfigDict(extra="forbid", validate_assignment=True), **fields)


@pytest.mark.parametrize("section", list(SECTIONS))
def test_every_field_takes_and_refuses_what_the_pydantic_schema_did_in_its_words(section: str) -> None:
    from pydantic import ValidationError

    cls = SECTIONS[section]
    twin = _twin(cls)
    differ = []
    for name, spec in specs(cls).items():
        for value in VALUES:
            model = twin()
            try:
                setattr(model, name, value)
                got = getattr(model, name)
                theirs: tuple[Any, ...] = ("ok", type(got), "nan" if isinstance(got, float) and math.isnan(got) else got)
            except ValidationError as exc:
                theirs = ("refused", exc.errors()[0]["msg"])
            ours = _ours(spec, value)
            if ours != theirs:
                differ.append(f"{section}.{name} = {value!r}: ours {ours}, pydantic {theirs}")
    assert differ == []


def test_bounds_are_checked_on_construction_and_assignment_and_a_refusal_changes_nothing() -> None:
    r = RetrievalSettings()
    with pytest.raises(InvalidSetting, match="less than or equal to 200") as info:
        r.top_k = 201
    assert info.value.field == "top_k" and r.top_k == 20
    with pytest.raises(InvalidSetting, match="greater than or equal to 1"):
        r.top_k = 0
    r.top_k = "30"  # type: ignore[assignment]  # the lax rules: a number in text is that number
    assert r.top_k == 30 and type(r.top_k) is int
    r.gumbel_tau = 1  # type: ignore[assignment]
    assert type(r.gumbel_tau) is float
    with pytest.raises(InvalidSetting, match="greater than or equal to 0.000001"):
        DecoderSettings(learning_rate=1e-7)
    with pytest.raises(InvalidSetting, match="a valid integer, got a number with a fractional part"):
        dataclasses.replace(DecoderSettings(), epochs=2.5)
    assert dataclasses.replace(DecoderSettings(), epochs=2.0).epochs == 2


def test_literal_choices_are_the_only_values() -> None:
    with pytest.raises(InvalidSetting) as info:
        InterfaceSettings(theme="purple")  # type: ignore[arg-type]
    assert info.value.reason == "Input should be 'system', 'light' or 'dark'"
    m = ModelSettings()
    with pytest.raises(InvalidSetting, match="Input should be 'embedded' or 'openai'"):
        m.backend = "Embedded"  # type: ignore[assignment]
    m.backend = "openai"
    assert m.backend == "openai"
    assert specs(ModelSettings)["embedder_device"].choices == ("auto", "cpu", "cuda")


def test_unknown_fields_are_refused() -> None:
    s = Settings()
    with pytest.raises(InvalidSetting, match="no attribute 'colour'"):
        s.generation.colour = "red"  # type: ignore[attr-defined]
    with pytest.raises(InvalidSetting, match="no attribute 'extra'"):
        s.extra = {}  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="colour"):
        RetrievalSettings(colour="red")  # type: ignore[call-arg]
    assert not hasattr(s.generation, "colour")


def test_the_origin_rule_normalises_and_refuses_with_its_reason() -> None:
    a = AutofillSettings(api_allowed_origins=[" Chrome-Extension://ABCDEF/ ", "chrome-extension://abcdef", "",
                                              "http://[::1]:8080"])
    assert a.api_allowed_origins == ["chrome-extension://abcdef", "http://[::1]:8080"]
    for origin, words in [("*", "every website"), ("null", "any page"), ("https://*.example.com", "wildcard"),
                          ("file:///home", "'null'"), ("https://example.com/path", "path"),
                          ("garbage", "not an origin"), ("http://localhost:99999", "port")]:
        with pytest.raises(InvalidSetting) as info:
            a.api_allowed_origins = ["chrome-extension://abc", origin]
        msg = info.value.errors()[0]["msg"]
        assert words in msg and msg == info.value.reason and not msg.startswith("Value error"), msg
        with pytest.raises(InvalidSetting, match=words.replace("*", r"\*")):
            AutofillSettings(api_allowed_origins=[origin])
    assert a.api_allowed_origins == ["chrome-extension://abcdef", "http://[::1]:8080"]
    with pytest.raises(InvalidSetting, match="valid string"):
        a.api_allowed_origins = ["chrome-extension://abc", 5]  # type: ignore[list-item]


def test_the_store_reports_the_rules_in_its_words(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = SettingsStore(tmp_path / "settings.json")
    with pytest.raises(SettingsError) as info:
        store.set("retrieval.top_k", "5000")
    assert str(info.value).startswith(
        "Invalid value '5000' for 'retrieval.top_k': Input should be less than or equal to 200.")
    assert "between 1 and 200" in str(info.value)
    with pytest.raises(SettingsError, match="Input should be 'system', 'light' or 'dark'"):
        store.set("interface.theme", "purple")
    with pytest.raises(SettingsError, match="Unknown setting 'generation.colour'"):
        store.set("generation.colour", "red")
    with pytest.raises(SettingsError, match="'\\*' would let every website read your data"):
        store.set("autofill.api_allowed_origins", "*")
    assert store.set("model.flash_attn", "yes") is True and store.set("model.n_batch", " 256 ") == 256


def test_defaults_are_fresh_and_copies_independent() -> None:
    a, b = Settings(), Settings()
    a.documents.watched_folders.append("/x")
    assert b.documents.watched_folders == [] and specs(type(a.documents))["watched_folders"].default() == []
    c = copy.deepcopy(a)
    c.retrieval.top_k = 5
    assert a.retrieval.top_k == 20 and c == dataclasses.replace(c) and c != a


def test_a_settings_file_of_today_loads_and_saves_as_before(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"version": 1, "model": {"n_ctx": 2048, "flash_attn": "yes"},
                                "generation": {"colour": "red"}, "extra": {"x": 1}}))
    store = SettingsStore(path)
    assert store.settings.model.n_ctx == 2048 and store.settings.model.flash_attn is True
    assert store.warnings == [
        "Unknown setting 'generation.colour' in settings.json; it is kept in the file but not used.",
        "Unknown settings section 'extra' in settings.json; it is kept in the file but not used."]
    store.set("generation.temperature", "0.2")
    store.set("model.n_batch", " 256 ")
    store.set("reflection.idle_minutes", "3")
    store.set("documents.watched_folders", "/a, /b")
    store.set("autofill.api_allowed_origins", '[" Chrome-Extension://ABC/ "]')
    store.set("interface.theme", "dark")
    # byte for byte what the pydantic schema's store wrote for the same steps
    assert path.read_text() == """{
  "autofill": {
    "api_allowed_origins": [
      "chrome-extension://abc"
    ]
  },
  "documents": {
    "watched_folders": [
      "/a",
      "/b"
    ]
  },
  "extra": {
    "x": 1
  },
  "generation": {
    "colour": "red",
    "temperature": 0.2
  },
  "interface": {
    "theme": "dark"
  },
  "model": {
    "flash_attn": "yes",
    "n_batch": 256,
    "n_ctx": 2048
  },
  "reflection": {
    "idle_minutes": 3.0
  },
  "version": 1
}
"""
    again = SettingsStore(path)
    assert again.settings == store.settings and again.settings.reflection.idle_minutes == 3.0


def test_every_field_is_of_a_kind_the_pane_renders() -> None:
    kinds = {f.kind for cls in SECTIONS.values() for f in specs(cls).values()}
    assert kinds <= {"bool", "int", "float", "str", "choice", "list"}
    assert {s.kind for s in specs(Settings).values()} == {"section"}
    assert all(s.title for s in specs(Settings).values())
