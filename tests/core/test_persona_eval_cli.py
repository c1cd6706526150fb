"""``mnemo eval profile`` runs the user's path (a plain import, the background work, the profile as
``mnemo profile`` shows it), and the persona CLI commands."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from app.cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _eval(services, docs: Path, expected: Path, json_out: Path) -> int:
    from app.cli import eval_profile

    args = argparse.Namespace(dir=str(docs), expected=str(expected), rules_only=True, json_out=str(json_out),
                              timeout=120.0)
    return eval_profile.run(args, services)


@pytest.fixture
def eval_services(services):
    from tests.fakes import FakeEmbedder

    services.set_embedder(FakeEmbedder())
    return services


def test_eval_profile_is_the_users_path(eval_services, tmp_path, capsys, monkeypatch):
    """A plain import (not as the owner's own), no extra refresh, scored as the profile shows it."""
    from core.documents import DocumentService
    from core.persona.service import PersonaService

    calls: list[dict] = []
    real_import = DocumentService.import_paths

    def spy(self, paths, *a, **kw):
        calls.append({"a": a, "kw": kw})
        return real_import(self, paths, *a, **kw)

    def no_refresh(self, *a, **kw):
        raise AssertionError("the eval must not run a refresh the user's import does not run")

    monkeypatch.setattr(DocumentService, "import_paths", spy)
    monkeypatch.setattr(PersonaService, "refresh", no_refresh)
    root = FIXTURES / "persona"
    expected = json.loads((root / "expected.json").read_text(encoding="utf-8")) | {"_owner": "Marta Kowalski"}
    (tmp_path / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    out_json = tmp_path / "score.json"
    assert _eval(eval_services, root / "docs", tmp_path / "expected.json", out_json) == 0
    assert len(calls) == 1 and not calls[0]["kw"].get("owner_self") and len(calls[0]["a"]) < 3
    out = capsys.readouterr().out
    assert "17 imported" in out and "rules only" in out
    assert "precision " in out and "recall " in out and "junk " in out and "Owner: " in out
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert {"precision", "recall", "junk", "keys", "extra", "owner", "profile"} <= set(data)
    assert len(data["keys"]) == 18 and data["owner"]["expected"] == ["Marta Kowalski"]
    from core.persona.keys import label

    shown = [(k["key"], v) for k in data["keys"] for v in k["predicted"]]
    shown += [(k, v) for k, vals in data["extra"].items() for v in vals]
    assert shown and all(f"- {label(k)}: {v}" in data["profile"] for k, v in shown)
    # The profile the user is shown on the old fixture: what the rules manage without --mine today.
    assert data["precision"] >= 0.9 and data["recall"] >= 0.7, data
    assert data["owner"]["how"] and isinstance(data["owner"]["correct"], bool)


class _Owner:
    def __init__(self, name: str, evidence: list[str]) -> None:
        self.name, self.emails, self.evidence = name, [], evidence


class _WithOwner:
    def owner(self) -> _Owner:
        return _Owner("Ada Novak", ["sender of 3 mails"])


def test_inferred_owner_from_the_persona_else_from_the_name_facts():
    from app.cli.eval_profile import inferred_owner

    facts = [("name", "Ada N."), ("given-name", "Ada"), ("family-name", "Novak")]
    assert inferred_owner(_WithOwner(), facts) == ("Ada Novak", "persona.owner()", ["sender of 3 mails"])
    assert inferred_owner(object(), facts) == ("Ada N.", "the name fact", [])
    assert inferred_owner(object(), facts[1:]) == ("Ada Novak", "the given-name and family-name facts", [])
    assert inferred_owner(object(), [("email", "ada@example.org")])[0] is None


def test_eval_scores_only_what_the_profile_shows(eval_services, tmp_path, capsys, monkeypatch):
    """A fact in the store that ``mnemo profile`` does not print is not scored (neither right nor junk)."""
    from core.persona.service import PersonaService

    real = PersonaService.profile_text

    def only_city(self, include_sensitive=None, max_facts=40):
        text = real(self, include_sensitive, max_facts)
        return "\n".join(line for line in text.splitlines() if not line.startswith("- ") or "city:" in line)

    monkeypatch.setattr(PersonaService, "profile_text", only_city)
    root = FIXTURES / "persona"
    out_json = tmp_path / "score.json"
    assert _eval(eval_services, root / "docs", root / "expected.json", out_json) == 0
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert [k["key"] for k in data["keys"] if k["predicted"]] == ["address-level2"] and data["extra"] == {}
    assert data["recall"] == round(1 / 18, 4) and data["precision"] == 1.0
    assert "city: Leipzig" in data["profile"]
    capsys.readouterr()


def test_eval_profile_command_line(tmp_path, home, capsys):
    assert main(["eval", "profile", str(tmp_path / "missing"), str(tmp_path / "e.json"), "--rules-only"]) == 2
    assert "is not a folder" in capsys.readouterr().err


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
