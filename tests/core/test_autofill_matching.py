"""Matching rules: autocomplete tokens, synonyms in four languages, embeddings, options only, derived values."""
from __future__ import annotations

import pytest

from core.autofill.matcher import Matcher, resolve_form
from core.autofill.model import FormField, Option, StaticFacts
from core.autofill.values import choose_option, derive
from tests.core.autofill_helpers import ANNA, service


def _f(label: str = "", **kw) -> FormField:
    return FormField(name=kw.pop("name", label or "f"), label=label, **kw)


def test_autocomplete_token_wins_over_label() -> None:
    m = Matcher().match(_f("Nachname", autocomplete="section-x billing given-name"))
    assert (m.key, m.how) == ("given-name", "autocomplete")
    assert Matcher().match(_f("Fax", autocomplete="fax tel")) is None
    assert Matcher().match(_f("Vorname", autocomplete="off")).key == "given-name"  # "off" names nothing


@pytest.mark.parametrize("label,key", [
    ("First name", "given-name"), ("Vorname", "given-name"), ("Prénom", "given-name"), ("Nombre", "given-name"),
    ("Surname", "family-name"), ("Nachname", "family-name"), ("Nom de famille", "family-name"), ("Apellidos", "family-name"),
    ("E-Mail-Adresse *", "email"), ("Courriel", "email"), ("Correo electrónico", "email"),
    ("Straße und Hausnummer", "street-address"), ("Dirección", "street-address"), ("Adresse postale", "street-address"),
    ("PLZ", "postal-code"), ("Code postal", "postal-code"), ("Código postal", "postal-code"), ("ZIP code", "postal-code"),
    ("Wohnort", "address-level2"), ("Ville", "address-level2"), ("Ciudad", "address-level2"),
    ("Geburtsdatum (TT.MM.JJJJ)", "bday"), ("Date de naissance", "bday"), ("Fecha de nacimiento", "bday"),
    ("Teléfono móvil", "tel"), ("Handynummer", "tel"), ("Arbeitgeber", "organization"), ("Empresa", "organization"),
    ("Job title", "organization-title"), ("Year of birth", "bday-year"),
])
def test_synonyms_in_four_languages(label: str, key: str) -> None:
    m = Matcher().match(_f(label))
    assert m is not None and (m.key, m.how) == (key, "synonym")


def test_name_and_id_are_used_when_there_is_no_label() -> None:
    assert Matcher().match(_f("", name="postleitzahl")).key == "postal-code"
    assert Matcher().match(_f("", name="firstName", html_id="x")).key == "given-name"
    assert Matcher().match(_f("", name="q7", kind="email")).key == "email"  # the input type


def test_fields_about_someone_else_are_not_matched() -> None:
    for label in ["Emergency contact phone", "Name des Notfallkontakts", "Nom du conjoint", "Teléfono de emergencia", "Fax"]:
        assert Matcher().match(_f(label, kind="tel")) is None, label


def test_embedding_similarity_with_the_real_embedder(shared_embedder) -> None:
    m = Matcher(lambda: shared_embedder)
    got = m.embedding_match(_f("Name of your company"))   # (the synonyms now match it too: the embedding path itself)
    assert got is not None and (got.key, got.how) == ("organization", "embedding")
    assert m.match(_f("Favourite colour")) is None
    assert m.match(_f("How did you hear about us?")) is None


def test_name_beside_given_name_means_family_name() -> None:
    fields = [_f("Vorname"), _f("Name")]
    mm = Matcher()
    matches = {f.name: mm.match(f) for f in fields}
    resolve_form(fields, matches)
    assert matches["Name"].key == "family-name"
    alone = {"Name": mm.match(_f("Name"))}
    resolve_form([_f("Name")], alone)
    assert alone["Name"].key == "name"


def test_options_only_for_selects_and_radios() -> None:
    countries = [Option("", "Bitte wählen"), Option("de", "Deutschland"), Option("fr", "Frankreich")]
    assert choose_option("Germany", countries).value == "de"
    assert choose_option("Spain", countries) is None
    assert choose_option("3", [Option("03", "März"), Option("04", "April")]).value == "03"
    assert choose_option("Berlin", [Option("b", "Berlin (DE)"), Option("h", "Hamburg (DE)")]).value == "b"
    svc = service()
    f = FormField(name="c", kind="select", label="Country", options=[Option("US", "United States"), Option("FR", "France")])
    (p,) = svc.propose([f], use_model=False)
    assert (p.status, p.value) == ("no-option", "")
    f.options.append(Option("DE", "Germany"))
    (p,) = svc.propose([f], use_model=False)
    assert (p.status, p.value) == ("filled", "DE")


def test_derived_values_and_date_formats() -> None:
    facts = {"name": "Anna Maria Schmidt", "bday": "1988-03-14", "street-address": "Lindenstraße 12\nHinterhaus",
             "country-name": "Germany"}
    assert derive("given-name", facts) == ("Anna", "name")
    assert derive("family-name", facts) == ("Schmidt", "name")
    assert derive("bday-year", facts) == ("1988", "bday")
    assert derive("address-line2", facts) == ("Hinterhaus", "street-address")
    assert derive("country", facts) == ("DE", "country-name")
    assert derive("name", {"given-name": "Anna", "family-name": "Schmidt"}) == ("Anna Schmidt", "given-name")
    svc = service(StaticFacts(ANNA))
    fields = [FormField(name="a", label="Geburtsdatum (TT.MM.JJJJ)"), FormField(name="b", label="Date of birth (MM/DD/YYYY)"),
              FormField(name="c", kind="date", label="Birthday"), FormField(name="d", label="Full name")]
    assert [p.value for p in svc.propose(fields, use_model=False)] == ["14.03.1988", "03/14/1988", "1988-03-14", "Anna Schmidt"]


def test_proposals_carry_source_and_confidence() -> None:
    (p,) = service().propose([_f("E-Mail")], use_model=False)
    assert p.filled and p.value == ANNA["email"] and p.source == "fact" and p.key == "email"
    assert p.source_ref.startswith("fact:") and 0.5 <= p.confidence <= 1.0
    (q,) = service().propose([_f("Lieblingsfarbe")], use_model=False)
    assert (q.status, q.value) == ("unknown", "")


def test_embedding_matches_follow_a_changed_embedder() -> None:
    from tests.fakes import FakeEmbedder

    current = [FakeEmbedder(dim=64, name="small")]
    m = Matcher(lambda: current[0], threshold=0.5)
    field = _f("organisation name please")
    m.embedding_match(field)
    current[0] = FakeEmbedder(dim=128, name="wide")   # the user set another embedder
    m.embedding_match(field)                          # the synonyms are embedded again, no shape error
    assert m._ref is not None and m._ref[0] == ("wide", 128) and m._ref[2].shape[1] == 128
