"""The autofill evaluation scores strictly: wrong values cost precision, forbidden fields are counted apart."""
from __future__ import annotations

from core.autofill.evaluation import is_right, score_form, truth_values
from core.autofill.model import Form, FormField, Option, Proposal

TRUTH = {"_region": "DE", "given-name": "Katharina", "family-name": "Brandt", "tel": "+49 176 5550 1234",
         "bday": "1988-07-22", "street-address": "Wiesentalstraße 8", "address-level2": ["Freiburg im Breisgau", "Freiburg"]}


def test_values_equal_after_normalising_phones_dates_case_and_spacing() -> None:
    f = FormField("x")
    assert is_right("tel", "0176 55501234", ["+49 176 5550 1234"], f, "DE")
    assert not is_right("tel", "0176 55501235", ["+49 176 5550 1234"], f, "DE")
    assert is_right("bday", "22.07.1988", ["1988-07-22"], f)
    assert not is_right("bday", "23.07.1988", ["1988-07-22"], f)
    assert is_right("address-level2", "FREIBURG ", ["Freiburg im Breisgau", "Freiburg"], f)
    assert not is_right("address-level2", "Freiburg i. Br.", ["Freiburg im Breisgau", "Freiburg"], f)
    sel = FormField("c", kind="select", options=[Option("SE", "Suède"), Option("DE", "Allemagne")])
    assert is_right("country-name", "DE", ["DE"], sel) and not is_right("country-name", "SE", ["DE"], sel)


def test_truth_is_derived_and_the_region_is_the_country() -> None:
    assert truth_values("house-number", TRUTH) == ["8"]
    assert truth_values("name", TRUTH) == ["Katharina Brandt"]
    assert truth_values("country-name", TRUTH) == ["DE"]
    assert truth_values("organization", TRUTH) == []


def test_score_form_counts_wrong_missed_and_forbidden() -> None:
    fields = [FormField("v"), FormField("n"), FormField("t"), FormField("o"), FormField("i"), FormField("r")]
    props = [Proposal("v", "", value="Katharina", status="filled"), Proposal("n", "", value="Hoffmann", status="filled"),
             Proposal("t", "", status="unknown"), Proposal("o", "", value="ACME", status="filled"),
             Proposal("i", "", value="DE21…", status="filled"), Proposal("r", "", status="unknown")]
    expected = {"v": "given-name", "n": "family-name", "t": "tel", "o": "organization", "i": "!forbidden", "r": None}
    s = score_form(Form("json", "x", fields), props, expected, TRUTH)
    assert (s.correct, s.filled, s.answerable, s.forbidden_filled) == (1, 3, 3, 1)
    assert round(s.precision, 3) == 0.333 and round(s.recall, 3) == 0.333


def test_a_date_is_read_in_the_fields_own_order() -> None:
    us = FormField("d", label="Date of birth (MM/DD/YYYY)")
    assert is_right("bday", "07/22/1988", ["1988-07-22"], us)
    assert not is_right("bday", "05/09/1988", ["1988-09-05"], us)  # that is 9 May here


def test_the_form_sets_are_whole() -> None:
    """Every persona named has a truth, every expected field is a field of its form (a typo would score nothing)."""
    from pathlib import Path

    from core.autofill.evaluation import load_set
    from core.autofill.forms import read_form

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    for name in ("forms_dev", "forms_holdout"):
        personas, forms = load_set(fixtures / name)
        assert len(personas) == 2 and all((p / "expected.json").is_file() and (p / "docs").is_dir() for p in personas)
        assert len(forms) >= 7
        for form_path, expected in forms:
            names = {f.name for f in read_form(form_path).fields}
            assert set(expected) <= names, (form_path.name, set(expected) - names)
            assert all(v is None or isinstance(v, str) for v in expected.values())
