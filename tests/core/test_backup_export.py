"""Export (facts as JSON and vCard, conversations as Markdown) and a full round trip through the
CLI: documents, facts and chats backed up while the app holds the folder come back whole, with
the vector index rebuilt from SQLite, answering the same searches."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import MnemoError
from core.export import export_all, facts_to_vcard
from tests.core.backup_helpers import dump_db, fill
from tests.e2e.crash_helpers import run_cli


def test_vcard_escapes_folds_and_maps_autocomplete_keys() -> None:
    card = facts_to_vcard({"given-name": ["Ada"], "family-name": ["Lovelace"], "email": ["ada@example.org", "a@x.org"],
                           "tel": ["+44 20 7946 0000"], "street-address": ["12 St James's Square; Flat 2"],
                           "address-level2": ["London"], "postal-code": ["SW1Y 4JH"], "country-name": ["UK"],
                           "bday": ["1815-12-10"], "organization": ["Analytical, Engines"],
                           "url": ["https://example.org/" + "x" * 100]})
    lines = card.split("\r\n")
    assert lines[0] == "BEGIN:VCARD" and lines[1] == "VERSION:4.0" and card.endswith("END:VCARD\r\n")
    assert "FN:Ada Lovelace" in lines and "N:Lovelace;Ada;;;" in lines
    assert "EMAIL;PREF=1:ada@example.org" in lines and "EMAIL:a@x.org" in lines
    assert "ADR:;;12 St James's Square\\; Flat 2;London;;SW1Y 4JH;UK" in lines
    assert "BDAY:18151210" in lines and "ORG:Analytical\\, Engines" in lines
    assert all(len(x.encode()) <= 75 for x in lines)
    assert any(x.startswith(" ") for x in lines)  # the long URL is folded
    unfolded = card.replace("\r\n ", "")
    assert "URL:https://example.org/" + "x" * 100 in unfolded


def test_export_masks_sensitive_facts_unless_revealed(services, tmp_path: Path) -> None:
    fill(services, 2)
    services.persona.facts.set("given-name", "Ada")
    services.persona.facts.set("email", "ada@example.org")
    services.persona.facts.set("passport-number", "P4X9Q2Z7W1")
    res = export_all(services.persona.facts, services.conversations, tmp_path / "out")
    assert res.conversations == 2 and res.facts >= 3
    data = json.loads((tmp_path / "out" / "facts.json").read_text())
    by_key = {f["key"]: f for f in data["facts"]}
    assert by_key["given-name"]["value"] == "Ada" and by_key["passport-number"]["sensitive"]
    everything = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert "P4X9Q2Z7W1" not in everything
    vcf = (tmp_path / "out" / "me.vcf").read_text()
    assert "FN:Ada" in vcf and "EMAIL;PREF=1:ada@example.org" in vcf
    mds = sorted((tmp_path / "out" / "conversations").glob("*.md"))
    assert len(mds) == 2 and "Lisbon" in mds[0].read_text() and "notes/trip0.md:3" in mds[0].read_text()
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in (tmp_path / "out").rglob("*") if p.is_file())
    with pytest.raises(MnemoError, match="not empty"):
        export_all(services.persona.facts, services.conversations, tmp_path / "out")
    revealed = export_all(services.persona.facts, services.conversations, tmp_path / "revealed", reveal=True)
    assert "P4X9Q2Z7W1" in (revealed.folder / "facts.json").read_text()


def test_cli_round_trip_of_documents_facts_and_chats(services, tmp_path: Path, shared_embedder) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "dentist.md").write_text("# Health\n\nMy dentist is Dr. Lee, on Fridays at 9.\n", encoding="utf-8")
    (docs / "garden.txt").write_text("The garden in Lisbon has three lemon trees and a fig.\n", encoding="utf-8")
    services.set_embedder(shared_embedder)
    assert len(services.documents.import_paths([docs]).imported) == 2
    fill(services, 2)
    services.persona.facts.set("given-name", "Ada")
    services.persona.flush()
    before_hits = [(h.source, h.text) for h in services.documents.search("dentist friday", k=2)]
    n_vectors = services.vectors.count("chunks")
    backup = tmp_path / "b.zip"
    made = run_cli(services.paths.home, "backup", str(backup))  # the app (this process) holds the folder
    assert made.returncode == 0, made.stderr
    assert "Mnemo was running" in made.stdout
    target = tmp_path / "restored"
    restored = run_cli(services.paths.home, "restore", str(backup), "--home", str(target))
    assert restored.returncode == 0, restored.stderr
    assert f"Vector index rebuilt from the database: {n_vectors} vectors." in restored.stdout
    check = run_cli(services.paths.home, "restore", str(backup), "--check")
    assert check.returncode == 0 and "Backup OK" in check.stdout
    refused = run_cli(services.paths.home, "restore", str(backup), "--home", str(target))
    assert refused.returncode == 2 and "not empty" in refused.stderr
    services.persona.flush()
    original = dump_db(services.paths.db)
    services.close()
    assert dump_db(target / "mnemo.sqlite3") == original
    from app.services import Services

    with Services(target) as s:
        s.set_embedder(shared_embedder)
        assert [(h.source, h.text) for h in s.documents.search("dentist friday", k=2)] == before_hits
        assert s.vectors.count("chunks") == n_vectors
        assert s.persona.facts.get("given-name").value == "Ada"
        s.persona.flush()
