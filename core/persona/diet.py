"""The user's diet from what they say about it, and the names of each diet in forms' languages.

"I stopped eating meat in 2019", "Ich esse kein Fleisch mehr", "je suis végétarienne" and
"jag är vegan" are statements of a diet; the fact stored is its canonical English name
(``vegetarian``, ``vegan``, ``pescatarian``), so a form's option in any language can be
picked from it (``DIET_NAMES``, read by ``core.autofill.values.choose_option``). A negated or
hedged statement ("I'm not vegetarian", "I try to eat less meat") says nothing and is not
taken. Diets that tell a religion or a health condition (halal, kosher, gluten-free) are
not inferred: they are sensitive, and only the user states them (``mnemo facts set``).
"""
from __future__ import annotations

import re

KEY = "diet"

# Folded names (lower case, accents removed) of each diet in EN, DE, FR, ES, IT, NL, SV, as options read.
DIET_NAMES: dict[str, set[str]] = {
    "vegetarian": {"vegetarian", "vegetarisch", "vegetarier", "vegetarierin", "vegetarien", "vegetarienne",
                   "vegetariano", "vegetariana", "vegetarisk", "vegetariskt", "veggie", "vegetarian meal",
                   "vegetarische kost", "vegetarisches essen", "menu vegetarien", "menu vegetariano",
                   "vegetarische maaltijd", "vegetarisk kost", "ovo lacto vegetarian", "lacto ovo vegetarian"},
    "vegan": {"vegan", "vegane", "veganer", "veganerin", "vegetalien", "vegetalienne", "vegane e", "vegano",
              "vegana", "veganist", "veganistisch", "vegansk", "veganskt", "vegan meal", "menu vegan",
              "veganes essen", "vegansk kost"},
    "pescatarian": {"pescatarian", "pescetarian", "pescetarier", "pescetarierin", "pescetarisch", "pescetarien",
                    "pescetarienne", "pescetariano", "pescetariana", "pescatariano", "pescatariana", "pescetarisk"},
}

_VEGETARIAN = r"(?:vegetarian|vegetarier(?:in)?|vegetarisch|végétarien(?:ne)?|vegetarian[oa]|vegetariër|vegetarisk)"
_VEGAN = r"(?:vegan(?:er(?:in)?|e|[oa])?|végane|végétalien(?:ne)?|veganist(?:isch)?|vegansk)"
_PESCATARIAN = r"(?:pesc[ae]tarian(?:[oa])?|pescetarier(?:in)?|pescetarisch|pescetarien(?:ne)?|pescetarisk)"
_WHEN = r"(?:\s+(?:now|since \d{4}|jetzt|seit \d{4}|schon lange|maintenant|depuis \d{4}|desde \d{4}|ahora|ora|" \
        r"dal \d{4}|nu|sinds \d{4}|sedan \d{4}|also|auch|aussi|también|anche|ook|också))?"
_BE = (r"(?:I(?:'m|’m| am)(?: a)?|I(?:'ve|’ve| have) been(?: a)?|I (?:became|went|turned)(?: a)?|ich bin(?: ein(?:e)?)?|"
       r"ich lebe|je suis(?: devenue?)?|soy|me hice|sono(?: diventat[oa])?|ik ben(?: een)?|ik leef|jag är|jag lever|"
       r"jag blev)")
_NO_MEAT = [
    r"I (?:stopped|quit|gave up) eating meat",
    r"I(?:'ve|’ve| have) (?:stopped|given up) eating meat",
    r"I (?:don't|do not|no longer) eat (?:any )?meat",
    r"ich esse(?: seit \d{4}| schon lange)? kein(?: rotes)? Fleisch(?: mehr)?",
    r"ich habe aufgehört, Fleisch zu essen",
    r"je ne mange (?:plus |pas )(?:de )?viande",
    r"j'ai arrêté de manger de la viande",
    r"(?:ya )?no como carne",
    r"dejé de comer carne",
    r"non mangio (?:più )?carne",
    r"ho smesso di mangiare (?:la )?carne",
    r"ik eet(?: al \w+| sinds \d{4})? geen vlees(?: meer)?",
    r"ik ben gestopt met vlees eten",
    r"jag äter inte (?:längre )?kött",
    r"jag (?:har )?slutat äta kött",
    r"jag slutade äta kött",
]
_NO_ANIMALS = [r"I (?:stopped|quit) eating (?:all )?animal products", r"I (?:don't|do not) eat (?:any )?animal products"]

PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"\b{_BE}{_WHEN}\s+{_VEGAN}\b", re.I), "vegan"),
    (re.compile(rf"\b{_BE}{_WHEN}\s+{_PESCATARIAN}\b", re.I), "pescatarian"),
    (re.compile(rf"\b{_BE}{_WHEN}\s+{_VEGETARIAN}\b", re.I), "vegetarian"),
    (re.compile(r"\b(?:" + "|".join(_NO_ANIMALS) + r")\b", re.I), "vegan"),
    (re.compile(r"\b(?:" + "|".join(_NO_MEAT) + r")\b", re.I), "vegetarian"),
]
_HEDGE = re.compile(r"\b(?:not|never|nicht|nie|pas|jamais|no|non|niet|nooit|inte|aldrig|try|trying|versuche|essaie|"
                    r"intento|provo|probeer|försöker|less|weniger|moins|menos|meno|minder|mindre)\b", re.I)


def stated_diets(text: str) -> list[str]:
    """The diets the writer states of themselves in ``text`` (canonical names, once per statement)."""
    out: list[str] = []
    for pattern, diet in PATTERNS:
        for m in pattern.finditer(text):
            before = re.split(r"[.!?\n]", text[max(0, m.start() - 30):m.start()])[-1]
            if not _HEDGE.search(before):   # "I'm not …", "I try to …", "no soy …": not a statement of a diet
                out.append(diet)
    return out
