"""A diet the user states, in any of the seven languages, becomes the ``diet`` fact; forms get it as their option."""
from __future__ import annotations

import pytest

from core.autofill import StaticFacts
from core.autofill.model import FormField, Option
from core.autofill.values import choose_option
from core.persona.diet import stated_diets
from core.persona.rules import first_person
from tests.core.autofill_helpers import ANNA, service


@pytest.mark.parametrize("text, diet", [
    ("I stopped eating meat in 2019, so no steak for me.", "vegetarian"),
    ("I've been vegetarian since 2015.", "vegetarian"),
    ("I don't eat meat or fish.", "vegetarian"),
    ("I'm vegan now.", "vegan"),
    ("I'm a pescatarian.", "pescatarian"),
    ("Ich esse seit 2019 kein Fleisch mehr.", "vegetarian"),
    ("Ich bin Veganerin.", "vegan"),
    ("Je suis végétarienne depuis 2019.", "vegetarian"),
    ("Je ne mange plus de viande.", "vegetarian"),
    ("Soy vegana.", "vegan"),
    ("Ya no como carne.", "vegetarian"),
    ("Sono vegetariano.", "vegetarian"),
    ("Ho smesso di mangiare carne.", "vegetarian"),
    ("Ik eet geen vlees meer.", "vegetarian"),
    ("Ik ben veganist.", "vegan"),
    ("Jag är vegan sedan 2018.", "vegan"),
    ("Jag slutade äta kött 2017.", "vegetarian"),
])
def test_a_stated_diet_in_each_language(text: str, diet: str) -> None:
    assert stated_diets(text) == [diet]
    assert [c.value for c in first_person(text) if c.key == "diet"] == [diet]


@pytest.mark.parametrize("text", [
    "I am not vegetarian.", "I try to eat less meat.", "No soy vegetariano.", "My sister is vegan.",
    "Ich bin kein Vegetarier.", "Je ne suis pas végétarien.", "Jag är inte vegetarian.", "Ik probeer minder vlees te eten.",
    "The vegetarian option was great.",
])
def test_negated_hedged_or_someone_elses_diet_is_no_fact(text: str) -> None:
    assert stated_diets(text) == []


def test_the_diet_is_the_forms_option_in_its_language() -> None:
    assert choose_option("vegetarian", [Option("1", "Keine"), Option("2", "Vegetarisch"), Option("3", "Vegan")],
                         "diet").value == "2"
    assert choose_option("vegan", [Option("v", "Végétarien"), Option("vg", "Végétalien")], "diet").value == "vg"
    assert choose_option("vegetarian", [Option("a", "Ingen"), Option("b", "Vegetarisk"), Option("c", "Vegansk")],
                         "diet").value == "b"
    assert choose_option("vegetarian", [Option("o", "Omnivore"), Option("h", "Halal")], "diet") is None
    facts = StaticFacts({**ANNA, "diet": "vegetarian"})
    fields = [FormField(name="d", kind="radio", label="Dietary requirements",
                        options=[Option("none", "No restrictions"), Option("veg", "Vegetarian"), Option("vg", "Vegan")]),
              FormField(name="e", kind="select", label="Ernährung",
                        options=[Option("", ""), Option("1", "Keine Einschränkung"), Option("2", "Vegetarisch")]),
              FormField(name="k", kind="select", label="Specialkost",
                        options=[Option("a", "Ingen"), Option("b", "Vegetarisk")])]
    assert [p.value for p in service(facts).propose(fields)] == ["veg", "2", "b"]
