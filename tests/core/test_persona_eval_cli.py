"""Profile scoring (precision and recall per key) and the persona CLI commands."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.main import main
from core.persona.evaluate import load_expected, score_profile, values_match


def test_scoring_per_key(tmp_path):
    exp = tmp_path / "expected.json"
    exp.write_text(json.dumps({"Email": "a@b.org", "tel": "+49 30 1234567", "bday": "1990-07-21",
                               "organization-title": ["Registered Nurse", "nurse"], "city": "Leipzig"}))
    expected = load_expected(exp)
    assert set(expected) == {"email", "tel", "bday", "organization-title", "address-level2"}
    predicted = {"email": "A@B.org", "tel": "030 1234567", "bday": "21 July 1990", "organization-title": "nurse",
                 "address-level2": "Hamburg", "favorite-food": "pierogi"}
    score = score_profile(expected, predicted)
    assert score.n_correct == 4 and score.recall == 0.8 and score.precision == 0.8
    assert score.extra == {"favorite-food": "pierogi"} and abs(score.precision_all - 4 / 6) < 1e-9
    assert values_match("name", "Marta Kowalski", "Marta  Kowalski") and not values_match("name", "Marta", "Ewa")


def test_facts_commands(home, capsys):
    assert main(["facts", "set", "email", "jane@example.org"]) == 0
    assert main(["facts", "set", "passport-number", "X12345678"]) == 0
    assert main(["facts", "set", "city", "Hamburg", "--unpinned"]) == 0
    assert main(["facts", "set", "city", "Berlin"]) == 0
    capsys.readouterr()
    assert main(["facts", "list"]) == 0
    out = capsys.readouterr().out
    assert "•••• 5678" in out and "X12345678" not in out and "Berlin" in out
    assert main(["facts", "show", "city"]) == 0
    assert "was: Hamburg" in capsys.readouterr().out
    assert main(["facts", "forget", "passport-number"]) == 0
    assert main(["facts", "show", "passport-number"]) == 2
    assert main(["bio", "--edit", "I am Jane and I like trains."]) == 0
    capsys.readouterr()
    assert main(["profile"]) == 0
    out = capsys.readouterr().out
    assert "city: Berlin" in out and "I like trains" in out and "passport" not in out


@pytest.mark.parametrize("persona, min_recall", [("", 1.0), ("second", 0.8)])
def test_shipped_personas_with_the_rules(services, persona, min_recall):
    """The whole import -> extraction path on the shipped personas (rules only, hashed embeddings)."""
    from tests.fakes import FakeEmbedder

    root = Path(__file__).resolve().parents[1] / "fixtures" / "persona" / persona
    services.set_embedder(FakeEmbedder())
    services.documents.import_paths([root / "docs"], owner_self=True)
    services.persona.flush(60)
    services.persona.refresh(use_model=False, topics=False, bio=False)
    facts = {f.key: f.value for f in services.persona.facts.all(reveal=True)}
    score = score_profile(load_expected(root / "expected.json"), facts)
    assert score.precision == 1.0 and score.recall >= min_recall, score.to_json()
    assert services.persona.facts.get("passport-number" if not persona else "ssn").sensitive
