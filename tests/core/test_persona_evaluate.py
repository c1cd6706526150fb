"""The profile scorer is strict: formatting differences are folded away, any other difference is wrong."""
from __future__ import annotations

import json
import sys

import pytest

from core.persona.evaluate import (load_expected, normalize_date, normalize_phone, score_owner, score_profile,
                                   values_match)


@pytest.mark.parametrize("key, expected, predicted", [
    ("tel", "+44 7700 900123", "+44 7700 900124"),          # one digit
    ("tel", "+44 7700 900123", "07700 900124"),
    ("tel", "+49 341 5550123", "+49 341 555012"),           # one digit missing
    ("tel", "+49 341 5550123", "+43 341 5550123"),          # another country
    ("bday", "1988-03-15", "1988-03-14"),                   # a day off
    ("bday", "1988-03-15", "14.03.1988"),
    ("bday", "1988-03-15", "16 March 1988"),
    ("bday", "1988-03-15", "1988"),
    ("iban", "DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 01"),
    ("iban", "GB33BUKB20201555555555", "GB94BARC10201530093459"),
    ("postal-code", "04155", "04156"),
    ("email", "marta.kowalski@example.org", "marta.kowalsky@example.org"),
    ("name", "Marta Kowalski", "Marta Kowalska"),
    ("street-address", "Gohliser Straße 14", "Gohliser Straße 41"),
    ("url", "https://martakowalski.example.org", "https://martakowalski.example"),
])
def test_any_real_difference_is_wrong(key, expected, predicted):
    assert not values_match(key, expected, predicted)


@pytest.mark.parametrize("key, expected, predicted, region", [
    ("tel", "+44 7700 900123", "07700 900123", None),        # national, in the expected number's region
    ("tel", "+44 7700 900123", "07700 900123", "GB"),
    ("tel", "07700 900123", "+44 (0)7700-900123", "GB"),
    ("tel", "+49 341 5550123", "0049 341 555 01 23", None),
    ("tel", "+1 503 555 0182", "(503) 555-0182", None),
    ("bday", "1988-03-15", "15.03.1988", None),
    ("bday", "1988-03-15", "15 March 1988", None),
    ("bday", "1988-03-15", "March 15, 1988", None),
    ("bday", "1988-03-15", "15. März 1988", None),
    ("bday", "1988-03-15", "15 mars 1988", None),            # French and Swedish
    ("bday", "1988-03-15", "15 de marzo de 1988", None),
    ("bday", "1988-03-15", "15/03/1988", None),              # unambiguous: day above 12
    ("bday", "1988-03-05", "05/03/1988", "GB"),
    ("bday", "1988-05-03", "05/03/1988", "US"),
    ("street-address", "Gohliser Straße 14", "Gohliser Strasse 14", None),
    ("street-address", "Gohliser Straße 14", "  gohliser   STRASSE 14 ", None),
    ("street-address", "1427 Maple Avenue, Apt 3B", "1427 Maple Avenue Apt 3B", None),
    ("iban", "DE89 3704 0044 0532 0130 00", "DE89370400440532013000", None),
    ("email", "Marta.Kowalski@example.org", "<marta.kowalski@example.org>", None),
    ("url", "https://martakowalski.example.org", "www.martakowalski.example.org/", None),
    ("ssn", "532-81-4417", "532 81 4417", None),
])
def test_formatting_differences_are_right(key, expected, predicted, region):
    assert values_match(key, expected, predicted, region)


def test_ambiguous_slash_date_without_region_is_compared_as_written():
    assert normalize_date("05/03/1988") is None and not values_match("bday", "1988-03-05", "05/03/1988")
    assert normalize_phone("07700 900123", "GB") == "+447700900123"


def test_expected_file_with_alternatives_owner_and_region(tmp_path):
    path = tmp_path / "expected.json"
    path.write_text(json.dumps({"_owner": "Ada Novak", "_region": "gb", "Email": "ada@example.org",
                                "city": ["London", "Greater London"], "tel": "07700 900123", "note": ""}))
    exp = load_expected(path)
    assert set(exp) == {"email", "address-level2", "tel"} and exp.owner == ["Ada Novak"] and exp.region == "GB"
    path.write_text(json.dumps({"name": ["Ada Novak", "Ada M. Novak"], "email": "ada@example.org"}))
    assert load_expected(path).owner == ["Ada Novak", "Ada M. Novak"]   # no _owner: the expected name
    score = score_profile(exp, {"email": "ADA@example.org", "address-level2": "Greater London",
                                "tel": "+44 7700 900123"})
    assert score.recall == 1.0 and score.precision == 1.0 and score.junk == 0.0


def test_precision_recall_and_junk():
    expected = {"email": ["a@b.org"], "tel": ["+49 30 1234567"], "bday": ["1990-07-21"],
                "organization-title": ["Registered Nurse", "nurse"], "address-level2": ["Leipzig"]}
    predicted = {"email": "A@B.org", "tel": "+49 30 1234568", "bday": "21 July 1990", "organization-title": "nurse",
                 "favorite-food": "pierogi", "anna-schmidt": "Dinner on Friday at 19:30?"}
    score = score_profile(expected, predicted)
    marks = {k.key: k.mark for k in score.keys}
    assert marks == {"address-level2": "-", "bday": "✓", "email": "✓", "organization-title": "✓", "tel": "✗"}
    assert score.n_correct == 3 and score.recall == 3 / 5
    assert score.precision == 3 / 4                       # the wrong phone
    assert score.junk == 2 / 6 and score.precision_all == 3 / 6
    assert set(score.extra) == {"favorite-food", "anna-schmidt"}
    data = score.to_json()
    assert data["junk"] == round(2 / 6, 4) and data["predicted"] == 6
    assert [k["precision"] for k in data["keys"]] == [None, 1.0, 1.0, 1.0, 0.0]


def test_several_shown_values_per_key():
    score = score_profile({"email": ["ada@example.org"]}, [("email", "ada@example.org"), ("email", "bob@example.org")])
    k = score.keys[0]
    assert k.correct and k.mark == "~" and k.precision == 0.5 and score.precision == 0.5


def test_owner():
    assert score_owner(["Ada Novak"], "ada  novak", "the name fact").correct
    assert not score_owner(["Ada Novak"], "Ada Nowak", "the name fact").correct
    assert not score_owner(["Ada Novak"], None, "no name in the profile").correct


def _load_script(path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"persona_make_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


@pytest.mark.parametrize("folder", ["personas", "personas_holdout"])
def test_committed_personas_are_what_make_py_writes(tmp_path, folder):
    """The personas' files (PDF, DOCX, mbox included) are written byte for byte again by their script."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "fixtures" / folder
    _load_script(root / "make.py").main(tmp_path)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert written
    for rel in written:
        assert (tmp_path / rel).read_bytes() == (root / rel).read_bytes(), rel
    for expected in tmp_path.glob("*/expected.json"):
        exp = load_expected(expected)
        assert exp.owner and len(exp) >= 10


def test_other_peoples_values_in_the_profile_are_leaks(tmp_path):
    path = tmp_path / "expected.json"
    path.write_text(json.dumps({"_region": "GB", "name": "Fiona MacAllister", "tel": "+44 7700 900481",
                                "_others": {"Isla (sister)": ["Isla MacAllister", "07700 900335", "isla@example.com"]}}))
    exp = load_expected(path)
    score = score_profile(exp, {"name": "Fiona MacAllister", "tel": "+44 7700 900335", "sister-email": "isla@example.com",
                                "isla-macallister": "Dinner on Friday?", "partner-name": "Isla MacAllister"})
    assert sorted(score.leaks) == [("partner-name", "Isla MacAllister", "Isla (sister)"),
                                   ("sister-email", "isla@example.com", "Isla (sister)"),
                                   ("tel", "+44 7700 900335", "Isla (sister)")]
    assert score.to_json()["leaks"][0]["whose"] == "Isla (sister)"
